"""Opening call-offs: who is invited, the minimum, deadlines and criteria; cancel and re-run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.procurement.call_off.models import CallOff
from services.procurement.clock import FixedClock
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.procurement.helpers import (
    END_TO_END,
    MICRO,
    START,
    World,
    add_directory,
    approved_request,
    count,
    deadlines,
    is_problem,
    ok,
    open_call_off,
    outbox_payloads,
    outbox_types,
    raise_request,
)

SUSPENSION = {"reason": "Conflict of interest under investigation"}


class TestInvitations:
    async def test_every_active_supplier_on_the_list_and_groupings_is_invited(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        ok(await proc.client.post("/suppliers/FESC03/suspend", json=SUSPENSION,
                                  headers=world.doh_admin()))
        call_off = await open_call_off(proc.client, world, clock, END_TO_END)
        assert call_off["invited_supplier_ids"] == ["FESC01", "FESC02", "FESC04"]
        [published] = await outbox_payloads(proc.session, "procurement.call_off.published.v1")
        assert published["invited_supplier_ids"] == ["FESC01", "FESC02", "FESC04"]
        assert published["groupings"] == [g.code for g in proc.app.state.framework.groupings]

    async def test_too_few_active_suppliers_and_the_call_off_cannot_open(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        for code in ("FESC03", "FESC04"):
            ok(await proc.client.post(f"/suppliers/{code}/suspend", json=SUSPENSION,
                                      headers=world.doh_admin()))
        request = await approved_request(proc.client, world, END_TO_END)
        response = await proc.client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": request["id"], **deadlines(clock)})
        assert is_problem(response, 409)
        assert "at least 3 approved suppliers; 2 given" in response.json()["detail"]
        assert await count(proc.session, CallOff) == 0
        assert "procurement.call_off.published.v1" not in await outbox_types(proc.session)

    async def test_the_minimum_is_configurable(self, service_app: Any,
                                               tokens: TokenFactory) -> None:
        from services.procurement.supplier.service import seed

        async with service_app("procurement", min_invited_suppliers=9) as h:
            h.app.state.clock = clock = FixedClock(START)
            world = await add_directory(h.session, tokens)
            await seed(h.session, h.app.state.framework, now=START)
            await h.session.commit()
            request = await raise_request(h.client, world, MICRO)
            response = await h.client.post("/call-offs", headers=world.commissioner(), json={
                "request_id": request["id"], **deadlines(clock)})
            assert is_problem(response, 409)
            assert "at least 9 approved suppliers; 8 given" in response.json()["detail"]


class TestOpening:
    async def test_a_request_awaiting_signoff_cannot_open_a_call_off(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        request = await raise_request(proc.client, world, END_TO_END)
        response = await proc.client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": request["id"], **deadlines(clock)})
        assert is_problem(response, 409)
        assert "awaiting_signoff" in response.json()["detail"]

    async def test_only_one_call_off_runs_for_a_request(self, proc: ServiceHarness,
                                                        world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        response = await proc.client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": call_off["request_id"], **deadlines(clock)})
        assert is_problem(response, 409)

    async def test_another_pct_cannot_open_one_for_this_request(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        request = await raise_request(proc.client, world, MICRO)
        response = await proc.client.post("/call-offs", headers=world.commissioner(
            world.sibling_pct), json={"request_id": request["id"], **deadlines(clock)})
        assert is_problem(response, 404)

    @pytest.mark.parametrize(("changes", "field", "says"), [
        ({"clarification_deadline": "2008-06-01T09:00:00Z"}, "clarification_deadline",
         "must be in the future"),
        ({"bid_deadline": "2008-06-05T09:00:00Z"}, "bid_deadline",
         "after the clarification deadline"),
        ({"price_weight": 50, "quality_weight": 60}, "criteria", "must add up to 100"),
        ({"price_weight": 30}, "criteria", "weigh 60 in all, not the quality weight 70"),
        ({"criteria": [{"code": "approach", "name": "Approach", "weight": 30, "max_score": 5},
                       {"code": "approach", "name": "Again", "weight": 30, "max_score": 5}]},
         "criteria", "criterion codes must be unique"),
    ], ids=["clarification-past", "bid-before-clarification", "weights-not-100",
            "criteria-not-quality-weight", "duplicate-criteria"])
    async def test_bad_terms_are_refused_saying_why(self, proc: ServiceHarness, world: World,
                                                    clock: FixedClock, changes: dict[str, Any],
                                                    field: str, says: str) -> None:
        request = await raise_request(proc.client, world, MICRO)
        response = await proc.client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": request["id"], **deadlines(clock), **changes})
        assert is_problem(response, 422), response.text
        assert any(e["loc"] == ["body", field] and says in e["msg"]
                   for e in response.json()["errors"]), response.json()
        assert await count(proc.session, CallOff) == 0

    async def test_a_call_off_after_the_framework_ended_is_refused(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        request = await raise_request(proc.client, world, MICRO)
        clock.set(datetime(2011, 2, 1, tzinfo=UTC))
        response = await proc.client.post("/call-offs", headers=world.commissioner(), json={
            "request_id": request["id"], **deadlines(clock)})
        assert is_problem(response, 422)
        assert "the framework runs from 2007-10-05 to 2010-12-31" in response.json()["detail"]

    async def test_its_own_criteria_and_weights_are_published(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        criteria = [{"code": "pbr_experience", "name": "PbR experience", "weight": 50,
                     "max_score": 10}]
        call_off = await open_call_off(proc.client, world, clock, price_weight=50,
                                       criteria=criteria)
        assert call_off["quality_weight"] == 50 and call_off["criteria"] == criteria
        assert call_off["bidding_open"] is True


class TestCancelAndRerun:
    async def test_a_cancelled_call_off_can_be_run_again(self, proc: ServiceHarness,
                                                          world: World,
                                                          clock: FixedClock) -> None:
        first = await open_call_off(proc.client, world, clock)
        cancelled = ok(await proc.client.post(f"/call-offs/{first['id']}/cancel",
                                              headers=world.commissioner(),
                                              json={"reason": "No bid met the need"}))
        assert cancelled["status"] == "cancelled"
        assert cancelled["cancelled_reason"] == "No bid met the need"
        request = ok(await proc.client.get(f"/requests/{first['request_id']}",
                                           headers=world.commissioner()))
        assert request["status"] == "approved"
        clock.advance(days=30)
        second = ok(await proc.client.post(f"/call-offs/{first['id']}/rerun",
                                           headers=world.commissioner(),
                                           json=deadlines(clock)), 201)
        assert second["run_number"] == 2 and second["previous_call_off_id"] == first["id"]
        assert second["criteria"] == first["criteria"]
        [event] = await outbox_payloads(proc.session, "procurement.call_off.cancelled.v1")
        assert event["reason"] == "No bid met the need"

    async def test_an_open_call_off_is_not_re_run(self, proc: ServiceHarness, world: World,
                                                  clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/rerun",
                                          headers=world.commissioner(), json=deadlines(clock))
        assert is_problem(response, 409)

    async def test_cancelling_needs_a_reason(self, proc: ServiceHarness, world: World,
                                             clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/cancel",
                                          headers=world.commissioner(), json={"reason": ""})
        assert is_problem(response, 422)


class TestClarifications:
    async def test_answers_reach_every_invitee_without_the_askers_name(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        url = f"/call-offs/{call_off['id']}/clarifications"
        asked = ok(await proc.client.post(url, headers=world.bidder("FESC01"),
                                          json={"text": "Are community contracts in scope?"}),
                   201)
        ok(await proc.client.post(f"{url}/{asked['id']}/answer", headers=world.commissioner(),
                                  json={"text": "No: acute contracts only."}))
        [seen] = ok(await proc.client.get(url, headers=world.bidder("FESC03")))
        assert seen["answer"] == "No: acute contracts only." and seen["supplier_id"] is None
        [own] = ok(await proc.client.get(url, headers=world.bidder("FESC01")))
        assert own["supplier_id"] == "FESC01"
        [buyer] = ok(await proc.client.get(url, headers=world.commissioner()))
        assert buyer["supplier_id"] == "FESC01"

    async def test_questions_close_at_the_clarification_deadline(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        clock.advance(days=7, seconds=1)
        response = await proc.client.post(f"/call-offs/{call_off['id']}/clarifications",
                                          headers=world.bidder("FESC01"),
                                          json={"text": "Too late to ask?"})
        assert is_problem(response, 409)

    async def test_an_uninvited_supplier_cannot_see_or_ask(self, proc: ServiceHarness,
                                                           world: World,
                                                           clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)  # micro: FESC02 not invited
        url = f"/call-offs/{call_off['id']}/clarifications"
        assert is_problem(await proc.client.get(url, headers=world.bidder("FESC02")), 404)
        assert is_problem(await proc.client.post(url, headers=world.bidder("FESC02"),
                                                 json={"text": "May we bid?"}), 404)


class TestHistory:
    async def test_every_change_is_kept_as_a_json_patch(self, proc: ServiceHarness,
                                                        world: World, clock: FixedClock) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        clock.advance(hours=1)
        ok(await proc.client.post(f"/call-offs/{call_off['id']}/cancel",
                                  headers=world.commissioner(), json={"reason": "Budget cut"}))
        history = ok(await proc.client.get(f"/call-offs/{call_off['id']}/history",
                                           headers=world.commissioner()))
        assert [(h["version"], h["action"]) for h in history] == [(1, "published"),
                                                                  (2, "cancelled")]
        assert {"op": "replace", "path": "/status", "value": "cancelled"} in history[1]["patch"]
        assert history[1]["at"] == (START + timedelta(hours=1)).isoformat().replace("+00:00",
                                                                                     "Z")
