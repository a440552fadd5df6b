"""Contracts after standstill, the end-to-end risk rule, and signing by both parties."""

from __future__ import annotations

from decimal import Decimal

from services.procurement.clock import FixedClock
from services.procurement.contract.models import Contract
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    World,
    awarded_call_off,
    count,
    is_problem,
    ok,
    outbox_payloads,
    signed_contract,
)

PERIOD = {"start_date": "2008-07-01", "end_date": "2009-06-30"}


class TestMakingTheContract:
    async def test_not_during_the_standstill(self, proc: ServiceHarness, world: World,
                                             clock: FixedClock) -> None:
        call_off = await awarded_call_off(proc.client, world, clock)
        clock.advance(days=10)  # 27 June: the last day of standstill
        response = await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                          headers=world.commissioner(), json=PERIOD)
        assert is_problem(response, 409)
        assert response.json()["detail"] == (
            "the standstill period runs until 2008-06-27; the contract may be made from "
            "2008-06-28")
        assert await count(proc.session, Contract) == 0

    async def test_it_starts_after_the_standstill(self, proc: ServiceHarness, world: World,
                                                  clock: FixedClock) -> None:
        call_off = await awarded_call_off(proc.client, world, clock)
        clock.advance(days=11)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                          headers=world.commissioner(),
                                          json={**PERIOD, "start_date": "2008-06-20"})
        assert is_problem(response, 422)

    async def test_an_end_to_end_contract_moving_high_risk_early_is_refused(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        # Why the framework is replaced rather than the bid: the bid's terms were checked when
        # it was made, and with the same rules in force the check at contract time cannot
        # refuse them (the share at risk does not depend on the dates while the terms run from
        # the start). It stays as defence in depth for rules that change between bid and
        # contract: a stricter framework version put in force (PROCUREMENT_FRAMEWORK_VERSION)
        # while the call-off runs, which is what this does, the way create_app sets it.
        terms = {"payment_model": "risk_reward", "payment_terms": {
            "base_fee_pence": 10_000_000, "at_risk_percent": "10",
            "kpis": [{"code": "plans", "weight": 1, "target": "4"}]}}
        call_off = await awarded_call_off(proc.client, world, clock, END_TO_END,
                                          supplier="FESC02", price=380_000_000, **terms)
        framework = proc.app.state.framework
        proc.app.state.framework = framework.model_copy(update={
            "settings": framework.settings.model_copy(
                update={"end_to_end_max_at_risk_percent": Decimal("5")})})
        clock.advance(days=11)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                          headers=world.commissioner(), json=PERIOD)
        assert is_problem(response, 422)
        assert response.json()["detail"] == (
            "the contract is refused: an end-to-end contract may not put more than 5.00% of "
            "its fee at risk in its first 24 months (until 2010-07-01); these risk_reward "
            "terms put 10.00% at risk from 2008-07-01")
        assert await outbox_payloads(proc.session, "procurement.contract.awarded.v1") == []
        assert await count(proc.session, Contract) == 0
        proc.app.state.framework = framework  # under the rules the bid was made under: made
        ok(await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                  headers=world.commissioner(), json=PERIOD), 201)

    async def test_the_award_event_tells_assurance_and_market_what_was_bought(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock)
        [awarded] = await outbox_payloads(proc.session, "procurement.contract.awarded.v1")
        assert awarded == {
            "contract_id": contract["id"], "call_off_id": contract["call_off_id"],
            "pct_id": world.pct.id, "sha_id": world.sha.id, "supplier_id": "FESC01",
            "package_type": "micro", "groupings": ["contracting_and_procurement"],
            "payment_model": "fixed_fee", "value_pence": 24_000_000,
            "start_date": "2008-07-01", "end_date": "2009-06-30", "population_served": None}
        [signed] = await outbox_payloads(proc.session, "procurement.contract.signed.v1")
        assert signed["signed_on"] == "2008-06-28"


class TestSigning:
    async def test_each_party_signs_once(self, proc: ServiceHarness, world: World,
                                         clock: FixedClock) -> None:
        call_off = await awarded_call_off(proc.client, world, clock)
        clock.advance(days=11)
        contract = ok(await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                             headers=world.commissioner(), json=PERIOD), 201)
        url = f"/contracts/{contract['id']}/sign"
        half = ok(await proc.client.post(url, headers=world.bidder("FESC01")))
        assert half["status"] == "awarded" and half["supplier_signed_at"] is not None
        again = await proc.client.post(url, headers=world.bidder("FESC01"))
        assert is_problem(again, 409)
        assert await outbox_payloads(proc.session, "procurement.contract.signed.v1") == []

    async def test_only_the_two_parties_sign(self, proc: ServiceHarness, world: World,
                                             clock: FixedClock) -> None:
        call_off = await awarded_call_off(proc.client, world, clock)
        clock.advance(days=11)
        contract = ok(await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                             headers=world.commissioner(), json=PERIOD), 201)
        url = f"/contracts/{contract['id']}/sign"
        assert is_problem(await proc.client.post(url, headers=world.bidder("FESC03")), 404)
        assert is_problem(await proc.client.post(
            url, headers=world.commissioner(world.sibling_pct)), 404)
        assert is_problem(await proc.client.post(url, headers=world.sha_admin()), 403)

    async def test_the_history_keeps_every_step(self, proc: ServiceHarness, world: World,
                                                clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock)
        history = ok(await proc.client.get(f"/contracts/{contract['id']}/history",
                                           headers=world.bidder("FESC01")))
        assert [h["action"] for h in history] == ["awarded", "signed_by_pct",
                                                  "signed_by_supplier"]
        assert {"op": "replace", "path": "/status", "value": "signed"} in history[2]["patch"]


class TestVisibility:
    async def test_a_supplier_lists_only_its_own_contracts(self, proc: ServiceHarness,
                                                           world: World,
                                                           clock: FixedClock) -> None:
        await signed_contract(proc.client, world, clock)
        mine = ok(await proc.client.get("/contracts", headers=world.bidder("FESC01")))
        theirs = ok(await proc.client.get("/contracts", headers=world.bidder("FESC03")))
        assert mine["total"] == 1 and theirs["total"] == 0
