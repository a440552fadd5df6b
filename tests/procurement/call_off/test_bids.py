"""Sealed bids: each supplier sees only its own; the buyer's side sees none before the deadline."""

from __future__ import annotations

from typing import Any

import pytest

from services.procurement.bid.models import Bid
from services.procurement.clock import FixedClock
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    ANSWERS,
    END_TO_END,
    World,
    bid,
    count,
    fixed_fee,
    is_problem,
    ok,
    open_call_off,
    outbox_payloads,
)


class TestSealedBids:
    async def test_a_supplier_sees_only_its_own_bid(self, proc: ServiceHarness, world: World,
                                                    clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        bupa = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        tribal = await bid(proc.client, world, call_off, "FESC06", 20_000_000)
        url = f"/call-offs/{call_off['id']}/bids"
        [own] = ok(await proc.client.get(url, headers=world.bidder("FESC01")))
        assert own["id"] == bupa["id"] and own["price_pence"] == 24_000_000
        other = await proc.client.get(f"/bids/{tribal['id']}", headers=world.bidder("FESC01"))
        assert is_problem(other, 404)
        clock.advance(days=30)  # still sealed from each other after the deadline
        assert [b["supplier_id"] for b in ok(await proc.client.get(
            url, headers=world.bidder("FESC06")))] == ["FESC06"]

    @pytest.mark.parametrize("viewer", ["pct", "sha", "doh"])
    async def test_the_buyers_side_sees_no_bid_before_the_deadline(
            self, proc: ServiceHarness, world: World, clock: FixedClock, viewer: str) -> None:
        headers = {"pct": world.commissioner(), "sha": world.sha_admin(),
                   "doh": world.dg()}[viewer]
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        listing = await proc.client.get(f"/call-offs/{call_off['id']}/bids", headers=headers)
        single = await proc.client.get(f"/bids/{placed['id']}", headers=headers)
        assert is_problem(listing, 403) and is_problem(single, 403)
        assert "sealed until the deadline 2008-06-16T09:00:00+00:00" in listing.json()["detail"]
        clock.advance(days=14)
        assert [b["price_pence"] for b in ok(await proc.client.get(
            f"/call-offs/{call_off['id']}/bids", headers=headers))] == [24_000_000]

    async def test_another_pct_never_sees_them(self, proc: ServiceHarness, world: World,
                                               clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        clock.advance(days=15)
        response = await proc.client.get(f"/bids/{placed['id']}",
                                         headers=world.commissioner(world.far_pct))
        assert is_problem(response, 404)

    async def test_the_event_carries_no_price(self, proc: ServiceHarness, world: World,
                                              clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        [event] = await outbox_payloads(proc.session, "procurement.bid.submitted.v1")
        assert set(event) == {"bid_id", "call_off_id", "supplier_id", "submitted_at", "version"}


class TestSubmitting:
    async def test_a_second_submission_replaces_the_first(self, proc: ServiceHarness,
                                                          world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        first = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        clock.advance(days=1)
        second = await bid(proc.client, world, call_off, "FESC01", 22_500_000)
        assert second["id"] == first["id"] and second["version"] == 2
        assert second["price_pence"] == 22_500_000
        assert await count(proc.session, Bid) == 1

    async def test_no_bid_after_the_deadline(self, proc: ServiceHarness, world: World,
                                             clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        clock.advance(days=14)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/bids",
                                          headers=world.bidder("FESC01"), json={
                                              "price_pence": 1, "answers": ANSWERS,
                                              **fixed_fee(1)})
        assert is_problem(response, 409)
        assert "closed at 2008-06-16T09:00:00+00:00" in response.json()["detail"]

    async def test_a_suspended_supplier_cannot_bid(self, proc: ServiceHarness, world: World,
                                                   clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        ok(await proc.client.post("/suppliers/FESC01/suspend", headers=world.doh_admin(),
                                  json={"reason": "Under investigation"}))
        response = await proc.client.post(f"/call-offs/{call_off['id']}/bids",
                                          headers=world.bidder("FESC01"), json={
                                              "price_pence": 100, "answers": ANSWERS,
                                              **fixed_fee(100)})
        assert is_problem(response, 409)
        assert "FESC01 is suspended" in response.json()["detail"]
        assert await count(proc.session, Bid) == 0

    async def test_an_uninvited_supplier_cannot_bid(self, proc: ServiceHarness, world: World,
                                                    clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)  # micro: FESC14 not on list
        response = await proc.client.post(f"/call-offs/{call_off['id']}/bids",
                                          headers=world.bidder("FESC14"), json={
                                              "price_pence": 100, "answers": ANSWERS,
                                              **fixed_fee(100)})
        assert is_problem(response, 404)

    @pytest.mark.parametrize(("body", "loc", "says"), [
        ({"answers": {"approach": "x"}}, ["body", "answers"],
         "answer exactly the published criteria"),
        ({"payment_model": "gain_share", "payment_terms": {"share_percent": "0"}},
         ["body", "payment_terms", "share_percent"], "greater than 0"),
        ({"payment_model": "fixed_fee", "payment_terms": {"total_fee_pence": 5}},
         ["body", "payment_terms", "instalments"], "Field required"),
        ({"payment_model": "barter", "payment_terms": {}}, ["body", "payment_model"], "Input"),
    ], ids=["missing-answers", "bad-gain-share", "fixed-fee-missing-field", "unknown-model"])
    async def test_bad_bids_are_refused_saying_why(self, proc: ServiceHarness, world: World,
                                                   clock: FixedClock, body: dict[str, Any],
                                                   loc: list[str], says: str) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/bids",
                                          headers=world.bidder("FESC01"), json={
                                              "price_pence": 100, "answers": ANSWERS,
                                              **fixed_fee(100), **body})
        assert is_problem(response, 422), response.text
        assert any(e["loc"] == loc and says in e["msg"] for e in response.json()["errors"]), (
            response.json())
        assert await count(proc.session, Bid) == 0
        assert await outbox_payloads(proc.session, "procurement.bid.submitted.v1") == []

    async def test_end_to_end_terms_moving_high_risk_to_the_supplier_are_refused(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock, END_TO_END)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/bids",
                                          headers=world.bidder("FESC02"), json={
                                              "price_pence": 300_000_000, "answers": ANSWERS,
                                              "payment_model": "gain_share",
                                              "payment_terms": {"share_percent": "50"}})
        assert is_problem(response, 422)
        assert ("may not put more than 10.00% of its fee at risk in its first 24 months"
                in response.json()["detail"])


class TestScoring:
    async def test_scores_wait_for_the_deadline(self, proc: ServiceHarness, world: World,
                                                clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        response = await proc.client.put(f"/bids/{placed['id']}/scores",
                                         headers=world.commissioner(),
                                         json={"scores": {"approach": 5, "capability": 5,
                                                          "outcomes": 5}})
        assert is_problem(response, 403)

    @pytest.mark.parametrize(("scores", "says"), [
        ({"approach": 6, "capability": 5, "outcomes": 5}, "approach: 6 is outside 0..5"),
        ({"approach": 5}, "score exactly the criteria"),
    ])
    async def test_bad_scores_are_refused(self, proc: ServiceHarness, world: World,
                                          clock: FixedClock, scores: dict[str, int],
                                          says: str) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        clock.advance(days=15)
        response = await proc.client.put(f"/bids/{placed['id']}/scores",
                                         headers=world.commissioner(), json={"scores": scores})
        assert is_problem(response, 422)
        assert says in response.json()["detail"]

    async def test_only_the_pcts_evaluators_score(self, proc: ServiceHarness, world: World,
                                                  clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC01", 24_000_000)
        clock.advance(days=15)
        body = {"scores": {"approach": 5, "capability": 5, "outcomes": 5}}
        for headers in (world.sha_admin(), world.headers(world.pct, "pct_admin"),
                        world.bidder("FESC01")):
            response = await proc.client.put(f"/bids/{placed['id']}/scores", headers=headers,
                                             json=body)
            assert is_problem(response, 403), response.text
