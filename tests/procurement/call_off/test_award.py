"""Evaluation by MEAT, award and standstill."""

from __future__ import annotations

from services.procurement.clock import FixedClock
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    World,
    bid,
    is_problem,
    ok,
    open_call_off,
    outbox_payloads,
    score,
)


class TestEvaluation:
    async def test_ranks_by_the_documented_meat_formula(self, proc: ServiceHarness,
                                                        world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        cheap = await bid(proc.client, world, call_off, "FESC03", 18_000_000)
        good = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        mid = await bid(proc.client, world, call_off, "FESC05", 20_000_000)
        clock.advance(days=15)
        # price score = 18m / price x 40; quality = approach/5 x 25 + capability/5 x 20
        # + outcomes/5 x 15
        await score(proc.client, world, cheap["id"], approach=2, capability=2, outcomes=2)
        await score(proc.client, world, good["id"], approach=5, capability=5, outcomes=5)
        await score(proc.client, world, mid["id"], approach=4, capability=3, outcomes=3)
        ranking = ok(await proc.client.get(f"/call-offs/{call_off['id']}/evaluation",
                                           headers=world.commissioner()))["ranking"]
        assert [(r["rank"], r["supplier_id"], r["price_score"], r["quality_score"], r["total"])
                for r in ranking] == [
            (1, "FESC01", "30.00", "60.00", "90.00"),   # 18/24 x 40; full marks
            (2, "FESC05", "36.00", "41.00", "77.00"),   # 18/20 x 40; 20 + 12 + 9
            (3, "FESC03", "40.00", "24.00", "64.00")]   # lowest price; 10 + 8 + 6

    async def test_a_tie_goes_to_the_higher_quality(self, proc: ServiceHarness, world: World,
                                                    clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        # 40 + 36 = 76 against 20 + 56 = 76 (price 2x the lowest; quality 56 = 25 + 16 + 15)
        cheap = await bid(proc.client, world, call_off, "FESC03", 10_000_000)
        dear = await bid(proc.client, world, call_off, "FESC05", 20_000_000)
        clock.advance(days=15)
        await score(proc.client, world, cheap["id"], approach=3, capability=3, outcomes=3)
        await score(proc.client, world, dear["id"], approach=5, capability=4, outcomes=5)
        ranking = ok(await proc.client.get(f"/call-offs/{call_off['id']}/evaluation",
                                           headers=world.commissioner()))["ranking"]
        assert [(r["supplier_id"], r["total"]) for r in ranking] == [("FESC05", "76.00"),
                                                                     ("FESC03", "76.00")]

    async def test_every_bid_must_be_scored_before_the_award(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        first = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        await bid(proc.client, world, call_off, "FESC06", 20_000_000)
        clock.advance(days=15)
        await score(proc.client, world, first["id"], approach=5, capability=5, outcomes=5)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/award",
                                          headers=world.commissioner())
        assert is_problem(response, 409)
        assert "not yet scored: FESC06" in response.json()["detail"]

    async def test_a_supplier_suspended_after_bidding_is_left_out(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        kept = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        dropped = await bid(proc.client, world, call_off, "FESC06", 20_000_000)
        clock.advance(days=15)
        await score(proc.client, world, kept["id"], approach=3, capability=3, outcomes=3)
        await score(proc.client, world, dropped["id"], approach=5, capability=5, outcomes=5)
        ok(await proc.client.post("/suppliers/FESC06/suspend", headers=world.doh_admin(),
                                  json={"reason": "Conflict of interest found"}))
        evaluation = ok(await proc.client.get(f"/call-offs/{call_off['id']}/evaluation",
                                              headers=world.commissioner()))
        assert [r["supplier_id"] for r in evaluation["ranking"]] == ["FESC01"]
        assert evaluation["excluded"][0]["reason"] == "the supplier is suspended on the framework"

    async def test_suppliers_do_not_see_the_evaluation(self, proc: ServiceHarness,
                                                       world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        clock.advance(days=15)
        response = await proc.client.get(f"/call-offs/{call_off['id']}/evaluation",
                                         headers=world.bidder("FESC01"))
        assert is_problem(response, 403)


class TestAward:
    async def test_not_before_the_deadline(self, proc: ServiceHarness, world: World,
                                           clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/award",
                                          headers=world.commissioner())
        assert is_problem(response, 409)

    async def test_without_bids_the_call_off_is_cancelled_and_re_run(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        clock.advance(days=15)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/award",
                                          headers=world.commissioner())
        assert is_problem(response, 409)
        assert "no bids" in response.json()["detail"]

    async def test_the_winner_and_the_standstill_are_announced(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        clock.advance(days=15)
        await score(proc.client, world, placed["id"], approach=4, capability=4, outcomes=4)
        awarded = ok(await proc.client.post(f"/call-offs/{call_off['id']}/award",
                                            headers=world.commissioner()))
        assert awarded["award_decided_on"] == "2008-06-17"
        assert awarded["standstill_ends"] == "2008-06-27"
        [event] = await outbox_payloads(proc.session, "procurement.call_off.awarded.v1")
        assert event == {"call_off_id": call_off["id"], "pct_id": world.pct.id,
                         "supplier_id": "FESC01", "standstill_ends": "2008-06-27"}
        rescore = await proc.client.put(f"/bids/{placed['id']}/scores",
                                        headers=world.commissioner(),
                                        json={"scores": {"approach": 1, "capability": 1,
                                                         "outcomes": 1}})
        assert is_problem(rescore, 409)
