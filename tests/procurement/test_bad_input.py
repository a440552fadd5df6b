"""Bad input answers 422 problem+json and writes nothing: no row, no history, no event."""

from __future__ import annotations

from typing import Any

import pytest

from services.procurement.bid.models import Bid
from services.procurement.call_off.models import CallOff
from services.procurement.clock import FixedClock
from services.procurement.contract.models import Contract
from services.procurement.history.models import Change
from services.procurement.ocds.models import OcdsChange
from services.procurement.payment.models import Payment
from services.procurement.request.models import ProcurementRequest
from services.procurement.signoff.models import Signoff
from services.procurement.supplier.models import Supplier
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    ANSWERS,
    MICRO,
    World,
    count,
    is_problem,
    ok,
    open_call_off,
    outbox_types,
    signed_contract,
)

TABLES = (ProcurementRequest, Signoff, CallOff, Bid, Contract, Payment, Change, OcdsChange)

# (who, method, path, body or None, query) ; {request} {call_off} {contract} are filled in
CASES: list[Any] = [
    pytest.param("pct", "POST", "/requests", {**MICRO, "status": "approved"}, None,
                 id="request-unknown-field"),
    pytest.param("pct", "POST", "/requests", {**MICRO, "estimated_value_pence": -5}, None,
                 id="request-negative-value"),
    pytest.param("pct", "POST", "/requests", {**MICRO, "estimated_value_pence": 1.5}, None,
                 id="request-fractional-pence"),
    pytest.param("pct", "POST", "/requests", {**MICRO, "package_type": "mega"}, None,
                 id="request-unknown-package-type"),
    pytest.param("pct", "POST", "/requests", {**MICRO, "business_case": "Short"}, None,
                 id="request-business-case-too-short"),
    pytest.param("pct", "POST", "/requests", {**MICRO, "services": "it_support"}, None,
                 id="request-services-not-a-list"),
    pytest.param("pct", "PATCH", "/requests/{request}", {"estimated_value_pence": "lots"},
                 None, id="change-wrong-type"),
    pytest.param("sha", "POST", "/requests/{request}/signoffs",
                 {"role": "sha", "decision": "maybe", "content_hash": "0" * 64}, None,
                 id="signoff-unknown-decision"),
    pytest.param("sha", "POST", "/requests/{request}/signoffs",
                 {"role": "sha", "decision": "approved", "content_hash": "abc"}, None,
                 id="signoff-malformed-hash"),
    pytest.param("pct", "POST", "/call-offs", {"request_id": "{request}",
                                                "bid_deadline": "2008-07-01T00:00:00"},
                 None, id="call-off-naive-deadline"),
    pytest.param("FESC01", "POST", "/call-offs/{call_off}/bids",
                 {"price_pence": 0, "answers": ANSWERS, "payment_model": "fixed_fee",
                  "payment_terms": {}}, None, id="bid-zero-price"),
    pytest.param("pct", "POST", "/contracts/{contract}/payments",
                 {"period": "2008-Q5", "figures": {}}, None, id="payment-bad-period"),
    pytest.param("doh", "POST", "/suppliers/FESC01/suspend", {"reason": ""}, None,
                 id="suspend-without-reason"),
    pytest.param("pct", "GET", "/requests", None, {"limit": 501}, id="page-too-large"),
    pytest.param("pct", "GET", "/requests", None, {"status": "lost"}, id="unknown-status"),
]


async def footprint(proc: ServiceHarness) -> tuple[Any, ...]:
    counts = [await count(proc.session, table) for table in TABLES]
    supplier = await proc.session.get(Supplier, "FESC01")
    assert supplier is not None
    await proc.session.refresh(supplier)
    return (*counts, supplier.status, tuple(await outbox_types(proc.session)))


@pytest.mark.parametrize(("who", "method", "path", "body", "query"), CASES)
async def test_bad_input_is_refused_and_nothing_is_written(
        proc: ServiceHarness, world: World, clock: FixedClock, who: str, method: str,
        path: str, body: dict[str, Any] | None, query: dict[str, Any] | None) -> None:
    contract = await signed_contract(proc.client, world, clock)
    clock.set(clock.now().replace(year=2008, month=7, day=1))
    call_off = await open_call_off(proc.client, world, clock)
    ids = {"request": call_off["request_id"], "call_off": call_off["id"],
           "contract": contract["id"]}
    url = path.format(**ids)
    if body is not None:
        body = {k: (v.format(**ids) if isinstance(v, str) else v) for k, v in body.items()}
    headers = {"pct": world.commissioner(), "sha": world.sha_admin(),
               "doh": world.doh_admin()}.get(who) or world.bidder(who)
    before = await footprint(proc)
    response = await proc.client.request(method, url, json=body, params=query,
                                         headers=headers)
    assert is_problem(response, 422), response.text
    problem = response.json()
    assert problem["errors"] and all("loc" in e and "msg" in e for e in problem["errors"])
    assert problem["correlation_id"]
    assert await footprint(proc) == before


async def test_a_request_with_several_faults_lists_every_one(proc: ServiceHarness,
                                                             world: World) -> None:
    response = await proc.client.post("/requests", headers=world.commissioner(), json={
        **MICRO, "package_type": "end_to_end", "services": ["it_support"]})
    assert is_problem(response, 422)
    fields = sorted(e["loc"][-1] for e in response.json()["errors"])
    assert fields == ["justification", "services"]
    assert ok(await proc.client.get("/requests", headers=world.commissioner()))["total"] == 0
