"""Who may see and do what: role x relation to the PCT x endpoint (deny by default).

The data belongs to PCT 5NT (parent SHA Q31). Relations: the PCT itself, a sibling PCT of the
same SHA, a PCT of another SHA, the PCT's own SHA, another SHA, the DoH, the NHS CB, and the
suppliers: the winner (FESC01), an invited loser (FESC03) and one never invited (FESC02).
Invisible things answer 404; visible things the caller may not act on answer 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.procurement.clock import FixedClock
from services.procurement.request.models import ProcurementRequest
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    MICRO,
    World,
    bid,
    count,
    ok,
    open_call_off,
    outbox_types,
    raise_request,
    score,
)

# principal -> (organisation attribute of World or supplier code, role)
PRINCIPALS: dict[str, tuple[str, str]] = {
    "pct_commissioner@own_pct": ("pct", "pct_commissioner"),
    "pct_admin@own_pct": ("pct", "pct_admin"),
    "pct_commissioner@sibling_pct": ("sibling_pct", "pct_commissioner"),
    "pct_commissioner@other_sha_pct": ("far_pct", "pct_commissioner"),
    "sha_admin@own_sha": ("sha", "sha_admin"),
    "sha_admin@other_sha": ("other_sha", "sha_admin"),
    "doh_dg_commissioning@doh": ("doh", "doh_dg_commissioning"),
    "doh_admin@doh": ("doh", "doh_admin"),
    "nhscb_analyst@nhscb": ("nhscb", "nhscb_analyst"),
    "supplier_bidder@winner": ("FESC01", "supplier_bidder"),
    "supplier_admin@winner": ("FESC01", "supplier_admin"),
    "supplier_bidder@invited_loser": ("FESC03", "supplier_bidder"),
    "supplier_bidder@not_invited": ("FESC02", "supplier_bidder"),
}
BUYER_SIDE = {"pct_commissioner@own_pct", "pct_admin@own_pct", "sha_admin@own_sha",
              "doh_dg_commissioning@doh", "doh_admin@doh", "nhscb_analyst@nhscb"}
WINNER = {"supplier_bidder@winner", "supplier_admin@winner"}
INVITED = WINNER | {"supplier_bidder@invited_loser"}


def headers_of(world: World, principal: str) -> dict[str, str]:
    where, role = PRINCIPALS[principal]
    org = world.suppliers[where] if where.startswith("FESC") else getattr(world, where)
    return world.headers(org, role)


@dataclass
class Scene:
    request: dict[str, Any]
    call_off: dict[str, Any]
    contract: dict[str, Any]


@pytest.fixture
async def scene(proc: ServiceHarness, world: World, clock: FixedClock) -> Scene:
    """A signed micro contract with FESC01; FESC03 bid and lost."""
    client = proc.client
    call_off = await open_call_off(client, world, clock)
    won = await bid(client, world, call_off, "FESC01", 24_000_000)
    lost = await bid(client, world, call_off, "FESC03", 30_000_000)
    clock.advance(days=15)
    await score(client, world, won["id"], approach=5, capability=5, outcomes=5)
    await score(client, world, lost["id"], approach=3, capability=3, outcomes=3)
    ok(await client.post(f"/call-offs/{call_off['id']}/award", headers=world.commissioner()))
    clock.advance(days=11)
    contract = ok(await client.post(f"/call-offs/{call_off['id']}/contract",
                                    headers=world.commissioner(),
                                    json={"start_date": "2008-07-01",
                                          "end_date": "2009-06-30"}), 201)
    request = ok(await client.get(f"/requests/{call_off['request_id']}",
                                  headers=world.commissioner()))
    return Scene(request, call_off, contract)


# endpoint -> (path, the principals who see it; lists: who see the scene's item in them)
READS: dict[str, tuple[Callable[[Scene, World], str], set[str]]] = {
    "read_request": (lambda s, w: f"/requests/{s.request['id']}", BUYER_SIDE),
    "request_history": (lambda s, w: f"/requests/{s.request['id']}/history", BUYER_SIDE),
    "request_signoffs": (lambda s, w: f"/requests/{s.request['id']}/signoffs", BUYER_SIDE),
    "read_call_off": (lambda s, w: f"/call-offs/{s.call_off['id']}", BUYER_SIDE | INVITED),
    "call_off_history": (lambda s, w: f"/call-offs/{s.call_off['id']}/history",
                         BUYER_SIDE | INVITED),
    "read_winning_bid": (lambda s, w: f"/bids/{s.contract['bid_id']}", BUYER_SIDE | WINNER),
    "read_contract": (lambda s, w: f"/contracts/{s.contract['id']}", BUYER_SIDE | WINNER),
    "contract_history": (lambda s, w: f"/contracts/{s.contract['id']}/history",
                         BUYER_SIDE | WINNER),
    "contract_payments": (lambda s, w: f"/contracts/{s.contract['id']}/payments",
                          BUYER_SIDE | WINNER),
    "pct_dashboard": (lambda s, w: f"/pcts/{w.pct.id}/dashboard", BUYER_SIDE),
    "pct_recommendations": (lambda s, w: f"/pcts/{w.pct.id}/recommendations", BUYER_SIDE),
}
LISTS: dict[str, tuple[str, str, set[str]]] = {
    "list_requests": ("/requests", "request", BUYER_SIDE),
    "list_call_offs": ("/call-offs", "call_off", BUYER_SIDE | INVITED),
    "list_contracts": ("/contracts", "contract", BUYER_SIDE | WINNER),
}


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_reads(proc: ServiceHarness, world: World, scene: Scene, principal: str) -> None:
    headers = headers_of(world, principal)
    seen = {}
    for name, (path, _allowed) in READS.items():
        response = await proc.client.get(path(scene, world), headers=headers)
        assert response.status_code in (200, 404), (name, response.text)
        seen[name] = response.status_code == 200
    for name, (path_, key, _allowed) in LISTS.items():
        listed = ok(await proc.client.get(path_, headers=headers))["items"]
        seen[name] = getattr(scene, key)["id"] in [item["id"] for item in listed]
    expected = {name: principal in allowed for name, (_p, allowed) in READS.items()}
    expected |= {name: principal in allowed for name, (_p, _k, allowed) in LISTS.items()}
    assert seen == expected


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_bids_of_a_call_off(proc: ServiceHarness, world: World, scene: Scene,
                                  principal: str) -> None:
    response = await proc.client.get(f"/call-offs/{scene.call_off['id']}/bids",
                                     headers=headers_of(world, principal))
    if principal in BUYER_SIDE:
        assert sorted(b["supplier_id"] for b in ok(response)) == ["FESC01", "FESC03"]
    elif principal in INVITED:
        code = PRINCIPALS[principal][0]
        assert [b["supplier_id"] for b in ok(response)] == [code]
    else:
        assert response.status_code == 404


# write -> the principals allowed; each runs on a fresh request of 5NT
WRITES: dict[str, set[str]] = {
    "raise_request": {"pct_commissioner@own_pct", "pct_admin@own_pct",
                      "pct_commissioner@sibling_pct", "pct_commissioner@other_sha_pct"},
    "change_request": {"pct_commissioner@own_pct", "pct_admin@own_pct"},
    "sha_signoff": {"sha_admin@own_sha"},
    "dg_signoff": {"doh_dg_commissioning@doh"},
}


async def attempt(proc: ServiceHarness, write: str, request: dict[str, Any] | None,
                  headers: dict[str, str]) -> Any:
    if request is None:
        return await proc.client.post("/requests", json=MICRO, headers=headers)
    if write == "change_request":
        return await proc.client.patch(f"/requests/{request['id']}", headers=headers,
                                       json={"title": "A new title"})
    role = "sha" if write == "sha_signoff" else "dg_commissioning"
    return await proc.client.post(f"/requests/{request['id']}/signoffs", headers=headers,
                                  json={"role": role, "decision": "approved",
                                        "content_hash": request["content_hash"]})


@pytest.mark.parametrize(("write", "principal"),
                         [(w, p) for w in WRITES for p in PRINCIPALS])
async def test_writes(proc: ServiceHarness, world: World, write: str, principal: str) -> None:
    request = None
    if write != "raise_request":
        request = await raise_request(proc.client, world, END_TO_END)
    before = await outbox_types(proc.session)
    response = await attempt(proc, write, request, headers_of(world, principal))
    if principal in WRITES[write]:
        assert response.status_code in (200, 201), response.text
        return
    assert response.status_code in (403, 404), response.text
    assert await outbox_types(proc.session) == before
    if write == "raise_request":
        assert await count(proc.session, ProcurementRequest) == 0


async def test_without_a_token_nothing_but_open_data_answers(proc: ServiceHarness,
                                                             world: World,
                                                             scene: Scene) -> None:
    for name, (path, _allowed) in READS.items():
        response = await proc.client.get(path(scene, world))
        assert response.status_code == 401, name
    for public in ("/ocds/framework", f"/ocds/call-offs/{scene.call_off['id']}",
                   "/ocds/changes"):
        assert (await proc.client.get(public)).status_code == 200
