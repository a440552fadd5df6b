"""Who may see and do what: role x relation to the PCT x endpoint (deny by default).

The data belongs to PCT 5NT (parent SHA Q31). Relations: the PCT itself, a sibling PCT of the
same SHA, a PCT of another SHA, the PCT's own SHA, another SHA, the DoH, the NHS CB, and the
suppliers: the winner (FESC01), an invited loser (FESC03) and one never invited (FESC02).
Invisible things answer 404; visible things the caller may not act on answer 403.
Reads are checked for content too: each list holds exactly what the caller may see (a second
PCT of the same SHA, 5NR, runs its own call-off, which FESC03 wins), and a supplier's lists
hold only its own bids and contracts. Every write is tried by every principal on a fresh
scene; a refused write leaves no event and no history behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.procurement.clock import FixedClock
from services.procurement.history.models import Change
from services.procurement.request.models import ProcurementRequest
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    MICRO,
    START,
    World,
    approved_request,
    awarded_call_off,
    bid,
    count,
    deadlines,
    ok,
    open_call_off,
    outbox_types,
    raise_request,
    score,
    signed_contract,
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
PCT_STAFF = {"pct_commissioner@own_pct", "pct_admin@own_pct"}
# the buyer's side of the sibling PCT's call-off (5NR, the same SHA)
SIBLING_SIDE = {"pct_commissioner@sibling_pct", "sha_admin@own_sha", "doh_dg_commissioning@doh",
                "doh_admin@doh", "nhscb_analyst@nhscb"}


def headers_of(world: World, principal: str) -> dict[str, str]:
    where, role = PRINCIPALS[principal]
    org = world.suppliers[where] if where.startswith("FESC") else getattr(world, where)
    return world.headers(org, role)


@dataclass
class Scene:
    request: dict[str, Any]
    call_off: dict[str, Any]
    contract: dict[str, Any]
    sibling: dict[str, Any] | None = None  # 5NR's contract with FESC03


async def _own_pct_scene(proc: ServiceHarness, world: World, clock: FixedClock) -> Scene:
    """A micro contract of 5NT with FESC01 after standstill; FESC03 bid and lost."""
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


async def _sibling_contract(proc: ServiceHarness, world: World,
                            clock: FixedClock) -> dict[str, Any]:
    """5NR's own micro call-off, won by FESC03 against FESC01, and its contract."""
    client, pct = proc.client, world.commissioner(world.sibling_pct)
    request = await raise_request(client, world, org=world.sibling_pct)
    call_off = ok(await client.post("/call-offs", headers=pct, json={
        "request_id": request["id"], **deadlines(clock)}), 201)
    won = await bid(client, world, call_off, "FESC03", 21_000_000)
    lost = await bid(client, world, call_off, "FESC01", 23_000_000)
    clock.advance(days=15)
    for placed, marks in ((won, 5), (lost, 2)):
        ok(await client.put(f"/bids/{placed['id']}/scores", headers=pct,
                            json={"scores": {"approach": marks, "capability": marks,
                                             "outcomes": marks}}))
    ok(await client.post(f"/call-offs/{call_off['id']}/award", headers=pct))
    clock.advance(days=11)
    return ok(await client.post(f"/call-offs/{call_off['id']}/contract", headers=pct,
                                json={"start_date": "2008-08-01", "end_date": "2009-07-31"}),
              201)


@pytest.fixture
async def scene(proc: ServiceHarness, world: World, clock: FixedClock) -> Scene:
    return await _own_pct_scene(proc, world, clock)


@pytest.fixture
async def two_pcts(proc: ServiceHarness, world: World, clock: FixedClock) -> Scene:
    """The scene above, and 5NR's contract with FESC03 made meanwhile."""
    sibling = await _sibling_contract(proc, world, clock)
    clock.set(START)
    found = await _own_pct_scene(proc, world, clock)
    found.sibling = sibling
    return found


# endpoint -> (path, the principals who see it)
READS: dict[str, tuple[Callable[[Scene, World], str], set[str]]] = {
    "read_request": (lambda s, w: f"/requests/{s.request['id']}", BUYER_SIDE),
    "request_history": (lambda s, w: f"/requests/{s.request['id']}/history", BUYER_SIDE),
    "request_signoffs": (lambda s, w: f"/requests/{s.request['id']}/signoffs", BUYER_SIDE),
    "read_call_off": (lambda s, w: f"/call-offs/{s.call_off['id']}", BUYER_SIDE | INVITED),
    "call_off_history": (lambda s, w: f"/call-offs/{s.call_off['id']}/history",
                         BUYER_SIDE | INVITED),
    "read_winning_bid": (lambda s, w: f"/bids/{s.contract['bid_id']}", BUYER_SIDE | WINNER),
    "winning_bid_history": (lambda s, w: f"/bids/{s.contract['bid_id']}/history",
                            BUYER_SIDE | WINNER),
    "read_contract": (lambda s, w: f"/contracts/{s.contract['id']}", BUYER_SIDE | WINNER),
    "contract_history": (lambda s, w: f"/contracts/{s.contract['id']}/history",
                         BUYER_SIDE | WINNER),
    "contract_payments": (lambda s, w: f"/contracts/{s.contract['id']}/payments",
                          BUYER_SIDE | WINNER),
    "pct_dashboard": (lambda s, w: f"/pcts/{w.pct.id}/dashboard", BUYER_SIDE),
    "pct_recommendations": (lambda s, w: f"/pcts/{w.pct.id}/recommendations", BUYER_SIDE),
}
# list -> (path, the field naming the item, who lists 5NT's item, who lists 5NR's item)
LISTS: dict[str, tuple[str, Callable[[dict[str, Any]], str], set[str], set[str]]] = {
    "list_requests": ("/requests", lambda c: c["request_id"], BUYER_SIDE, SIBLING_SIDE),
    "list_call_offs": ("/call-offs", lambda c: c["call_off_id"], BUYER_SIDE | INVITED,
                       SIBLING_SIDE | INVITED),
    "list_contracts": ("/contracts", lambda c: c["id"], BUYER_SIDE | WINNER,
                       SIBLING_SIDE | {"supplier_bidder@invited_loser"}),
}


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_reads(proc: ServiceHarness, world: World, two_pcts: Scene,
                     principal: str) -> None:
    headers = headers_of(world, principal)
    seen = {}
    for name, (path, _allowed) in READS.items():
        response = await proc.client.get(path(two_pcts, world), headers=headers)
        assert response.status_code in (200, 404), (name, response.text)
        seen[name] = response.status_code == 200
    expected = {name: principal in allowed for name, (_p, allowed) in READS.items()}
    assert seen == expected


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_lists_hold_exactly_what_the_caller_may_see(
        proc: ServiceHarness, world: World, two_pcts: Scene, principal: str) -> None:
    headers = headers_of(world, principal)
    assert two_pcts.sibling is not None
    for name, (path, item_of, own_pct, sibling_pct) in LISTS.items():
        listed = ok(await proc.client.get(path, headers=headers))
        expected = {item_of(contract) for contract, allowed in (
            (two_pcts.contract, own_pct), (two_pcts.sibling, sibling_pct))
            if principal in allowed}
        assert {item["id"] for item in listed["items"]} == expected, name
        assert listed["total"] == len(expected), name
    if principal.startswith("supplier_"):
        code = PRINCIPALS[principal][0]
        contracts = ok(await proc.client.get("/contracts", headers=headers))["items"]
        assert {c["supplier_id"] for c in contracts} <= {code}
        for contract in (two_pcts.contract, two_pcts.sibling):
            bids = await proc.client.get(f"/call-offs/{contract['call_off_id']}/bids",
                                         headers=headers)
            if bids.status_code == 200:
                assert [b["supplier_id"] for b in bids.json()] == [code]


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_bids_of_a_call_off(proc: ServiceHarness, world: World, scene: Scene,
                                  principal: str) -> None:
    response = await proc.client.get(f"/call-offs/{scene.call_off['id']}/bids",
                                     headers=headers_of(world, principal))
    if principal in BUYER_SIDE:
        assert sorted(b["supplier_id"] for b in ok(response)) == ["FESC01", "FESC03"]
    elif principal in INVITED:
        code = PRINCIPALS[principal][0]
        [own] = ok(response)
        assert own["supplier_id"] == code
        assert own["price_pence"] == {"FESC01": 24_000_000, "FESC03": 30_000_000}[code]
    else:
        assert response.status_code == 404


Attempt = Callable[[ServiceHarness, World, FixedClock, dict[str, str]], Awaitable[Any]]


async def _request_write(proc: ServiceHarness, world: World, write: str,
                         headers: dict[str, str]) -> Any:
    request = await raise_request(proc.client, world, END_TO_END)
    if write == "change_request":
        return await _then(proc, "PATCH", f"/requests/{request['id']}", headers,
                           {"title": "A new title"})
    role = "sha" if write == "sha_signoff" else "dg_commissioning"
    return await _then(proc, "POST", f"/requests/{request['id']}/signoffs", headers, {
        "role": role, "decision": "approved", "content_hash": request["content_hash"]})


async def _trace(proc: ServiceHarness) -> tuple[list[str], int]:
    """What a write leaves behind: the events it published and the history it appended."""
    return await outbox_types(proc.session), await count(proc.session, Change)


async def _then(proc: ServiceHarness, method: str, path: str, headers: dict[str, str],
                body: dict[str, Any] | None = None) -> Any:
    before = await _trace(proc)
    response = await proc.client.request(method, path, headers=headers, json=body)
    return response, before


async def _raise(proc: ServiceHarness, world: World, clock: FixedClock,
                 headers: dict[str, str]) -> Any:
    return await _then(proc, "POST", "/requests", headers, MICRO)


async def _open(proc: ServiceHarness, world: World, clock: FixedClock,
                headers: dict[str, str]) -> Any:
    request = await approved_request(proc.client, world)
    return await _then(proc, "POST", "/call-offs", headers,
                       {"request_id": request["id"], **deadlines(clock)})


async def _cancel(proc: ServiceHarness, world: World, clock: FixedClock,
                  headers: dict[str, str]) -> Any:
    call_off = await open_call_off(proc.client, world, clock)
    return await _then(proc, "POST", f"/call-offs/{call_off['id']}/cancel", headers,
                       {"reason": "Budget withdrawn by the board"})


async def _bid(proc: ServiceHarness, world: World, clock: FixedClock,
               headers: dict[str, str]) -> Any:
    call_off = await open_call_off(proc.client, world, clock)
    return await _then(proc, "POST", f"/call-offs/{call_off['id']}/bids", headers, {
        "price_pence": 20_000_000, "answers": {"approach": "a", "capability": "b",
                                               "outcomes": "c"},
        "payment_model": "fixed_fee",
        "payment_terms": {"total_fee_pence": 20_000_000, "instalments": 4}})


async def _ask(proc: ServiceHarness, world: World, clock: FixedClock,
               headers: dict[str, str]) -> Any:
    call_off = await open_call_off(proc.client, world, clock)
    return await _then(proc, "POST", f"/call-offs/{call_off['id']}/clarifications", headers,
                       {"text": "Are community contracts in scope?"})


async def _answer(proc: ServiceHarness, world: World, clock: FixedClock,
                  headers: dict[str, str]) -> Any:
    call_off = await open_call_off(proc.client, world, clock)
    url = f"/call-offs/{call_off['id']}/clarifications"
    asked = ok(await proc.client.post(url, headers=world.bidder("FESC03"),
                                      json={"text": "Are community contracts in scope?"}), 201)
    return await _then(proc, "POST", f"{url}/{asked['id']}/answer", headers,
                       {"text": "No: acute contracts only."})


async def _score(proc: ServiceHarness, world: World, clock: FixedClock,
                 headers: dict[str, str]) -> Any:
    call_off = await open_call_off(proc.client, world, clock)
    placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
    clock.advance(days=15)
    return await _then(proc, "PUT", f"/bids/{placed['id']}/scores", headers,
                       {"scores": {"approach": 4, "capability": 4, "outcomes": 4}})


async def _award(proc: ServiceHarness, world: World, clock: FixedClock,
                 headers: dict[str, str]) -> Any:
    call_off = await open_call_off(proc.client, world, clock)
    placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
    clock.advance(days=15)
    await score(proc.client, world, placed["id"], approach=4, capability=4, outcomes=4)
    return await _then(proc, "POST", f"/call-offs/{call_off['id']}/award", headers)


async def _contract(proc: ServiceHarness, world: World, clock: FixedClock,
                    headers: dict[str, str]) -> Any:
    call_off = await awarded_call_off(proc.client, world, clock)
    clock.advance(days=11)
    return await _then(proc, "POST", f"/call-offs/{call_off['id']}/contract", headers,
                       {"start_date": "2008-07-01", "end_date": "2009-06-30"})


async def _sign(proc: ServiceHarness, world: World, clock: FixedClock,
                headers: dict[str, str]) -> Any:
    call_off = await awarded_call_off(proc.client, world, clock)
    clock.advance(days=11)
    contract = ok(await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                         headers=world.commissioner(),
                                         json={"start_date": "2008-07-01",
                                               "end_date": "2009-06-30"}), 201)
    return await _then(proc, "POST", f"/contracts/{contract['id']}/sign", headers)


async def _pay(proc: ServiceHarness, world: World, clock: FixedClock,
               headers: dict[str, str]) -> Any:
    contract = await signed_contract(proc.client, world, clock)
    return await _then(proc, "POST", f"/contracts/{contract['id']}/payments", headers,
                       {"period": "2008-Q3", "figures": {}})


async def _suspend(proc: ServiceHarness, world: World, clock: FixedClock,
                   headers: dict[str, str]) -> Any:
    return await _then(proc, "POST", "/suppliers/FESC07/suspend", headers,
                       {"reason": "Investigation into a conflict of interest"})


def _on_request(write: str) -> Attempt:
    async def attempt(proc: ServiceHarness, world: World, clock: FixedClock,
                      headers: dict[str, str]) -> Any:
        return await _request_write(proc, world, write, headers)
    return attempt


# write -> (how to try it on a fresh scene of 5NT, the principals allowed)
WRITES: dict[str, tuple[Attempt, set[str]]] = {
    "raise_request": (_raise, PCT_STAFF | {"pct_commissioner@sibling_pct",
                                           "pct_commissioner@other_sha_pct"}),
    "change_request": (_on_request("change_request"), PCT_STAFF),
    "sha_signoff": (_on_request("sha_signoff"), {"sha_admin@own_sha"}),
    "dg_signoff": (_on_request("dg_signoff"), {"doh_dg_commissioning@doh"}),
    "open_call_off": (_open, PCT_STAFF),
    "cancel_call_off": (_cancel, PCT_STAFF),
    "submit_bid": (_bid, INVITED),
    "ask_clarification": (_ask, INVITED),
    "answer_clarification": (_answer, PCT_STAFF),
    "score_bid": (_score, {"pct_commissioner@own_pct"}),
    "award_call_off": (_award, {"pct_commissioner@own_pct"}),
    "make_contract": (_contract, PCT_STAFF),
    "sign_contract": (_sign, PCT_STAFF | WINNER),
    "calculate_payment": (_pay, PCT_STAFF),
    "suspend_supplier": (_suspend, {"doh_admin@doh"}),
}


@pytest.mark.parametrize(("write", "principal"),
                         [(w, p) for w in WRITES for p in PRINCIPALS])
async def test_writes(proc: ServiceHarness, world: World, clock: FixedClock, write: str,
                      principal: str) -> None:
    attempt, allowed = WRITES[write]
    response, before = await attempt(proc, world, clock, headers_of(world, principal))
    after = await _trace(proc)
    if principal in allowed:
        assert response.status_code in (200, 201), response.text
        assert after[1] > before[1], "an accepted write is recorded in the history"
        return
    assert response.status_code in (403, 404), response.text
    assert after == before, "a refused write leaves no event and no history"
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
