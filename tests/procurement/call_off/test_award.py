"""Evaluation by MEAT, award and standstill."""

from __future__ import annotations

import json
from typing import Any

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


# Distinctive prices, so that finding one anywhere in a response is a leak, not a coincidence.
WINNING, LOSING, THIRD = 24_123_457, 30_987_651, 27_555_333
# What only the buyer's side may see of other suppliers' bids (keys and JSON Patch paths).
SEALED = {"price_pence", "scores", "quality_scores", "price_score", "quality_score",
          "ranking", "evaluation", "answers", "payment_terms"}


def names_in(value: Any) -> set[str]:
    """Every key of every object in `value`, and every segment of every JSON Patch path."""
    if isinstance(value, dict):
        found = set(value)
        for key in ("path", "from"):
            if isinstance(value.get(key), str) and value[key].startswith("/"):
                found |= set(value[key].strip("/").split("/"))
        return found.union(*(names_in(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(names_in(item) for item in value))
    return set()


def assert_sealed(body: Any, *prices: int) -> None:
    text = json.dumps(body)
    assert not [p for p in prices if str(p) in text], text
    assert not names_in(body) & SEALED, names_in(body) & SEALED


class TestWhatALosingSupplierSees:
    """After the award a loser learns who won (the award is public), never a rival's bid."""

    async def _awarded(self, proc: ServiceHarness, world: World,
                       clock: FixedClock) -> dict[str, Any]:
        call_off = await open_call_off(proc.client, world, clock)
        placed = {code: await bid(proc.client, world, call_off, code, price)
                  for code, price in (("FESC01", WINNING), ("FESC03", LOSING),
                                      ("FESC05", THIRD))}
        clock.advance(days=15)
        for code, marks in (("FESC01", 5), ("FESC03", 3), ("FESC05", 2)):
            await score(proc.client, world, placed[code]["id"], approach=marks,
                        capability=marks, outcomes=marks)
        awarded = ok(await proc.client.post(f"/call-offs/{call_off['id']}/award",
                                            headers=world.commissioner()))
        assert awarded["awarded_supplier_id"] == "FESC01"
        return {**awarded, "bids": placed}

    async def test_the_history_holds_no_rivals_price_or_score(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await self._awarded(proc, world, clock)
        history = ok(await proc.client.get(f"/call-offs/{call_off['id']}/history",
                                           headers=world.bidder("FESC03")))
        assert [h["action"] for h in history] == ["published", "awarded"]
        assert {"op": "replace", "path": "/awarded_supplier_id",
                "value": "FESC01"} in history[1]["patch"]
        assert_sealed(history, WINNING, THIRD, LOSING)
        # the same history for the buyer's side: the ranking is read at /evaluation instead
        assert_sealed(ok(await proc.client.get(f"/call-offs/{call_off['id']}/history",
                                               headers=world.commissioner())), WINNING)

    async def test_no_other_supplier_facing_read_holds_a_rival_bid(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await self._awarded(proc, world, clock)
        loser, url = world.bidder("FESC03"), f"/call-offs/{call_off['id']}"
        assert_sealed(ok(await proc.client.get(url, headers=loser)), WINNING, THIRD)
        assert_sealed(ok(await proc.client.get("/call-offs", headers=loser)), WINNING, THIRD)
        assert_sealed(ok(await proc.client.get(f"{url}/clarifications", headers=loser)),
                      WINNING, THIRD)
        [own] = ok(await proc.client.get(f"{url}/bids", headers=loser))
        assert (own["supplier_id"], own["price_pence"]) == ("FESC03", LOSING)
        for code in ("FESC01", "FESC05"):
            bid_id = call_off["bids"][code]["id"]
            assert is_problem(await proc.client.get(f"/bids/{bid_id}", headers=loser), 404)
            assert is_problem(await proc.client.get(f"/bids/{bid_id}/history",
                                                    headers=loser), 404)
        assert is_problem(await proc.client.get(f"{url}/evaluation", headers=loser), 403)
        [event] = await outbox_payloads(proc.session, "procurement.call_off.awarded.v1")
        assert_sealed(event, WINNING, LOSING, THIRD)

    async def test_open_data_publishes_the_winning_price_only_with_the_contract(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await self._awarded(proc, world, clock)
        awarded = ok(await proc.client.get(f"/ocds/call-offs/{call_off['id']}"))
        assert_sealed(awarded, WINNING, LOSING, THIRD)
        clock.advance(days=11)
        ok(await proc.client.post(f"/call-offs/{call_off['id']}/contract",
                                  headers=world.commissioner(),
                                  json={"start_date": "2008-07-01", "end_date": "2009-06-30"}),
           201)
        release = ok(await proc.client.get(f"/ocds/call-offs/{call_off['id']}"))["releases"][0]
        # docs/adr/0008: the winner's price is published with the contract, as OCDS does
        assert release["awards"][0]["value"] == {"amount": 241234.57, "currency": "GBP"}
        for public in (release, ok(await proc.client.get("/ocds/changes"))):
            text = json.dumps(public)
            assert "309876.51" not in text and "275553.33" not in text
            assert str(LOSING) not in text and str(THIRD) not in text

    async def test_the_buyers_side_still_reads_the_ranking_after_the_award(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await self._awarded(proc, world, clock)
        evaluation = ok(await proc.client.get(f"/call-offs/{call_off['id']}/evaluation",
                                              headers=world.sha_admin()))
        assert [(r["supplier_id"], r["price_pence"]) for r in evaluation["ranking"]] == [
            ("FESC01", WINNING), ("FESC03", LOSING), ("FESC05", THIRD)]
