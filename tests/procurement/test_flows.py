"""The whole path through the API: request, sign-off, call-off, bids, award, contract, payment."""

from __future__ import annotations

from services.procurement.clock import FixedClock
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    MICRO,
    World,
    bid,
    deadlines,
    ok,
    outbox_payloads,
    outbox_types,
    raise_request,
    score,
    sign,
)


class TestMicroPackage:
    async def test_from_request_to_the_first_payment(self, proc: ServiceHarness, world: World,
                                                     clock: FixedClock) -> None:
        client = proc.client
        request = await raise_request(client, world, MICRO)
        assert request["status"] == "approved" and request["approvals"] == []
        assert request["groupings"] == ["contracting_and_procurement"]

        call_off = ok(await client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": request["id"], **deadlines(clock)}), 201)
        assert call_off["invited_supplier_ids"] == [
            "FESC01", "FESC03", "FESC04", "FESC05", "FESC06", "FESC08", "FESC10", "FESC13"]
        assert call_off["price_weight"] == 40 and call_off["quality_weight"] == 60

        bupa = await bid(client, world, call_off, "FESC01", 24_000_000)
        tribal = await bid(client, world, call_off, "FESC06", 20_000_000)
        clock.advance(days=15)
        # BUPA: price 20/24 x 40 = 33.33, quality (5/5 x 25 + 5/5 x 20 + 4/5 x 15) = 57 -> 90.33
        # Tribal: price 40, quality (3/5 x 25 + 3/5 x 20 + 3/5 x 15) = 36 -> 76
        await score(client, world, bupa["id"], approach=5, capability=5, outcomes=4)
        await score(client, world, tribal["id"], approach=3, capability=3, outcomes=3)
        evaluation = ok(await client.get(f"/call-offs/{call_off['id']}/evaluation",
                                         headers=world.commissioner()))
        assert [(r["supplier_id"], r["total"]) for r in evaluation["ranking"]] == [
            ("FESC01", "90.33"), ("FESC06", "76.00")]

        awarded = ok(await client.post(f"/call-offs/{call_off['id']}/award",
                                       headers=world.commissioner()))
        assert awarded["status"] == "awarded" and awarded["awarded_supplier_id"] == "FESC01"
        assert awarded["standstill_ends"] == "2008-06-27"  # decided 17 June + 10 days

        clock.advance(days=11)
        contract = ok(await client.post(f"/call-offs/{call_off['id']}/contract",
                                        headers=world.commissioner(),
                                        json={"start_date": "2008-07-01",
                                              "end_date": "2009-06-30"}), 201)
        assert contract["value_pence"] == 24_000_000 and contract["status"] == "awarded"
        assert [p["period"] for p in contract["schedule"]] == [
            "2008-Q3", "2008-Q4", "2009-Q1", "2009-Q2"]
        ok(await client.post(f"/contracts/{contract['id']}/sign", headers=world.commissioner()))
        signed = ok(await client.post(f"/contracts/{contract['id']}/sign",
                                      headers=world.bidder("FESC01")))
        assert signed["status"] == "signed" and signed["signed_on"] == "2008-06-28"

        payment = ok(await client.post(f"/contracts/{contract['id']}/payments",
                                       headers=world.commissioner(),
                                       json={"period": "2008-Q3", "figures": {}}), 201)
        assert payment["amount_pence"] == 6_000_000
        assert payment["lines"][0]["explanation"].startswith("Instalment 1 of 4")

        assert await outbox_types(proc.session) == [
            "procurement.request.created.v1", "procurement.call_off.published.v1",
            "procurement.bid.submitted.v1", "procurement.bid.submitted.v1",
            "procurement.call_off.awarded.v1", "procurement.contract.awarded.v1",
            "procurement.contract.signed.v1", "procurement.payment.calculated.v1"]
        [submitted, _] = await outbox_payloads(proc.session, "procurement.bid.submitted.v1")
        assert "price_pence" not in submitted and submitted["supplier_id"] == "FESC01"
        request_now = ok(await client.get(f"/requests/{request['id']}",
                                          headers=world.commissioner()))
        assert request_now["status"] == "contracted"


class TestEndToEndPackage:
    async def test_needs_both_signoffs_then_runs_to_a_signed_contract(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        client = proc.client
        request = await raise_request(client, world, END_TO_END)
        assert request["status"] == "awaiting_signoff"
        assert [a["role"] for a in request["approvals"]] == ["dg_commissioning", "sha"]
        # the SHA first, then the director general: either order works
        request = ok(await sign(client, world, request, "sha"))
        assert request["status"] == "awaiting_signoff"
        request = ok(await sign(client, world, request, "dg_commissioning"))
        assert request["status"] == "approved"

        call_off = ok(await client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": request["id"], **deadlines(clock)}), 201)
        assert call_off["invited_supplier_ids"] == ["FESC01", "FESC02", "FESC03", "FESC04"]
        low_risk = {"payment_model": "risk_reward", "payment_terms": {
            "base_fee_pence": 10_000_000, "at_risk_percent": "10",
            "kpis": [{"code": "plans_delivered", "weight": 1, "target": "4"}]}}
        winner = await bid(client, world, call_off, "FESC02", 380_000_000, **low_risk)
        clock.advance(days=15)
        await score(client, world, winner["id"], approach=4, capability=4, outcomes=4)
        awarded = ok(await client.post(f"/call-offs/{call_off['id']}/award",
                                       headers=world.commissioner()))
        assert (awarded["award_decided_on"], awarded["standstill_ends"]) == (
            "2008-06-17", "2008-06-27")
        clock.advance(days=10)  # the last day of standstill: no contract yet
        early = await client.post(f"/call-offs/{call_off['id']}/contract",
                                  headers=world.commissioner(),
                                  json={"start_date": "2008-07-01", "end_date": "2011-06-30"})
        assert early.status_code == 409
        clock.advance(days=1)
        contract = ok(await client.post(f"/call-offs/{call_off['id']}/contract",
                                        headers=world.commissioner(),
                                        json={"start_date": "2008-07-01",
                                              "end_date": "2011-06-30"}), 201)
        assert contract["created_at"] == "2008-06-28T09:00:00Z"  # the day after standstill
        ok(await client.post(f"/contracts/{contract['id']}/sign", headers=world.commissioner()))
        signed = ok(await client.post(f"/contracts/{contract['id']}/sign",
                                      headers=world.bidder("FESC02")))
        assert signed["status"] == "signed" and signed["signed_on"] == "2008-06-28"
        assert (signed["start_date"], signed["end_date"]) == ("2008-07-01", "2011-06-30")
        assert signed["payment_terms"]["at_risk_percent"] == "10"  # the most allowed in 24m
        assert len(signed["schedule"]) == 12  # 2008-Q3 .. 2011-Q2
        [awarded] = await outbox_payloads(proc.session, "procurement.contract.awarded.v1")
        assert awarded["package_type"] == "end_to_end" and awarded["supplier_id"] == "FESC02"
        assert awarded["sha_id"] == world.sha.id
        assert len(awarded["groupings"]) == 4
        decided = await outbox_payloads(proc.session, "procurement.signoff.decided.v1")
        assert [(d["role"], d["request_status"]) for d in decided] == [
            ("sha", "awaiting_signoff"), ("dg_commissioning", "approved")]
