"""The append-only history: replaying its JSON Patches rebuilds each object's last state."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from services.procurement.clock import FixedClock
from services.procurement.history.models import Change
from services.procurement.history.service import changes, replay
from services.procurement.ocds.models import OcdsChange
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    END_TO_END,
    World,
    bid,
    is_problem,
    ok,
    open_call_off,
    raise_request,
    score,
    sign,
    signed_contract,
)
from tests.procurement.recommendation.test_recommendations import CASE, deliver, support_need


class TestRequestHistory:
    async def test_records_who_when_and_what_for_each_step(self, proc: ServiceHarness,
                                                           world: World,
                                                           clock: FixedClock) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        clock.advance(hours=2)
        request = ok(await sign(proc.client, world, request, "sha"))
        clock.advance(hours=2)
        ok(await proc.client.patch(f"/requests/{request['id']}", headers=world.commissioner(),
                                   json={"estimated_value_pence": 410_000_000}))
        history = ok(await proc.client.get(f"/requests/{request['id']}/history",
                                           headers=world.sha_admin()))
        assert [(h["version"], h["action"], h["actor_org_id"]) for h in history] == [
            (1, "raised", world.pct.id), (2, "signoff_approved", world.sha.id),
            (3, "changed", world.pct.id)]
        assert {"op": "replace", "path": "/estimated_value_pence",
                "value": 410_000_000} in history[2]["patch"]
        assert {"op": "replace", "path": "/approvals/1/status",
                "value": "pending"} in history[2]["patch"]
        assert [h["at"] for h in history] == ["2008-06-02T09:00:00Z", "2008-06-02T11:00:00Z",
                                              "2008-06-02T13:00:00Z"]

    async def test_replaying_the_patches_gives_the_current_state(self, proc: ServiceHarness,
                                                                 world: World,
                                                                 clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock)
        state = replay(await changes(proc.session, "request", contract["request_id"]))
        current = ok(await proc.client.get(f"/requests/{contract['request_id']}",
                                           headers=world.commissioner()))
        assert state["status"] == current["status"] == "contracted"
        assert state["content_hash"] == current["content_hash"]
        contract_state = replay(await changes(proc.session, "contract", contract["id"]))
        assert contract_state["signed_on"] == contract["signed_on"]


class TestBidHistory:
    """A bid's own history holds its price: read like the bid, never by another supplier."""

    async def test_submission_replacement_and_scoring_are_recorded(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC03", 24_000_000)
        url = f"/bids/{placed['id']}/history"
        clock.advance(days=2)
        await bid(proc.client, world, call_off, "FESC03", 22_500_000)
        await bid(proc.client, world, call_off, "FESC01", 26_000_000)
        assert is_problem(await proc.client.get(url, headers=world.commissioner()), 403)
        assert is_problem(await proc.client.get(url, headers=world.bidder("FESC01")), 404)
        own = ok(await proc.client.get(url, headers=world.bidder("FESC03")))
        assert [(h["version"], h["action"]) for h in own] == [(1, "submitted"), (2, "replaced")]
        assert {"op": "replace", "path": "/price_pence", "value": 22_500_000} in own[1]["patch"]
        assert own[0]["actor_org_id"] == world.suppliers["FESC03"].id

        clock.advance(days=13)  # after the deadline the PCT scores and reads it
        await score(proc.client, world, placed["id"], approach=4, capability=3, outcomes=2)
        history = ok(await proc.client.get(url, headers=world.commissioner()))
        assert [(h["action"], h["actor_org_id"]) for h in history] == [
            ("submitted", world.suppliers["FESC03"].id),
            ("replaced", world.suppliers["FESC03"].id), ("scored", world.pct.id)]
        state = replay(await changes(proc.session, "bid", placed["id"]))
        assert (state["price_pence"], state["scores"]) == (
            22_500_000, {"approach": 4, "capability": 3, "outcomes": 2})

    async def test_the_call_offs_history_records_no_bid(self, proc: ServiceHarness,
                                                        world: World,
                                                        clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        placed = await bid(proc.client, world, call_off, "FESC03", 24_000_000)
        clock.advance(days=15)
        await score(proc.client, world, placed["id"], approach=4, capability=3, outcomes=2)
        history = ok(await proc.client.get(f"/call-offs/{call_off['id']}/history",
                                           headers=world.bidder("FESC01")))
        assert [h["action"] for h in history] == ["published"]


class TestClarificationHistory:
    async def test_asked_and_answered_are_recorded_for_the_buyer_and_the_asker(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        url = f"/call-offs/{call_off['id']}/clarifications"
        asked = ok(await proc.client.post(url, headers=world.bidder("FESC03"),
                                          json={"text": "Are community contracts in scope?"}),
                   201)
        clock.advance(hours=3)
        ok(await proc.client.post(f"{url}/{asked['id']}/answer", headers=world.commissioner(),
                                  json={"text": "No: acute contracts only."}))
        history_url = f"{url}/{asked['id']}/history"
        for reader in (world.commissioner(), world.bidder("FESC03")):
            history = ok(await proc.client.get(history_url, headers=reader))
            assert [(h["action"], h["actor_org_id"], h["at"]) for h in history] == [
                ("asked", world.suppliers["FESC03"].id, "2008-06-02T09:00:00Z"),
                ("answered", world.pct.id, "2008-06-02T12:00:00Z")]
            assert {"op": "replace", "path": "/answer",
                    "value": "No: acute contracts only."} in history[1]["patch"]
        # another invitee sees the answer, but not the history naming who asked
        [seen] = ok(await proc.client.get(url, headers=world.bidder("FESC01")))
        assert seen["supplier_id"] is None
        assert is_problem(await proc.client.get(history_url, headers=world.bidder("FESC01")),
                          404)


class TestRecommendationHistory:
    async def test_identified_then_requested(self, proc: ServiceHarness, world: World) -> None:
        await deliver(proc.session, support_need(world), "assurance.support_need.identified.v1")
        [shown] = ok(await proc.client.get(f"/pcts/{world.pct.id}/recommendations",
                                           headers=world.commissioner()))
        request = ok(await proc.client.post(
            f"/recommendations/{shown['id']}/request", headers=world.commissioner(),
            json={"business_case": CASE, "estimated_value_pence": 8_000_000}), 201)
        history = ok(await proc.client.get(f"/recommendations/{shown['id']}/history",
                                           headers=world.sha_admin()))
        assert [(h["action"], h["actor_org_id"]) for h in history] == [
            ("identified", None), ("requested", world.pct.id)]
        assert history[0]["actor"] == "system:assurance.support_need.identified.v1"
        assert {"op": "replace", "path": "/status", "value": "requested"} in history[1]["patch"]
        assert {"op": "replace", "path": "/request_id",
                "value": request["id"]} in history[1]["patch"]
        assert is_problem(await proc.client.get(
            f"/recommendations/{shown['id']}/history",
            headers=world.commissioner(world.far_pct)), 404)


async def refusal(proc: ServiceHarness, statement: Any) -> str:
    """Run `statement` in a savepoint; the database's refusal (the test fails if it ran)."""
    with pytest.raises(DBAPIError) as refused:
        async with proc.session.begin_nested():
            await proc.session.execute(statement)
    return str(refused.value.orig)


class TestAppendOnly:
    """PostgreSQL itself refuses to rewrite the history (migration 0003)."""

    async def test_history_rows_cannot_be_changed_or_deleted(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock)
        await proc.session.commit()
        before = (await proc.session.scalars(select(Change.actor).order_by(Change.id))).all()
        for statement in (update(Change).values(actor="someone else"), delete(Change),
                          text('TRUNCATE "change"')):
            assert "change is append-only" in await refusal(proc, statement)
        for statement in (update(OcdsChange).values(record={}), delete(OcdsChange)):
            assert "ocds_change is append-only" in await refusal(proc, statement)
        after = (await proc.session.scalars(select(Change.actor).order_by(Change.id))).all()
        assert after == before and len(after) > 10
        contract_history = ok(await proc.client.get(f"/contracts/{contract['id']}/history",
                                                    headers=world.commissioner()))
        assert [h["action"] for h in contract_history] == ["awarded", "signed_by_pct",
                                                           "signed_by_supplier"]
