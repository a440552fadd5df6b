"""Runs through the API: queued with their request in the outbox, listed, cancelled, published."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from services.market.run import lifecycle
from services.market.run.executor import execute, execute_run
from services.market.run.models import Run, RunResult
from shared.db import session_scope
from shared.testing.plugin import ServiceHarness
from tests.market.helpers import FAST, People, completed_run, count, ok, outbox_events, queue_run


class TestQueue:
    async def test_a_run_is_stored_queued_and_its_request_is_in_the_outbox(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who, replications=250, seed=42)
        assert (run["status"], run["progress_percent"], run["eta_seconds"]) == ("queued", 0.0,
                                                                                None)
        assert run["inputs"]["used"] is True and run["inputs"]["ratings"] == 0
        [requested] = await outbox_events(market.session, "market.run.requested.v1")
        assert requested == {"run_id": run["id"], "scenario": "historical", "model": "market",
                             "replications": 250, "seed": 42, "attempt": 1}

    async def test_the_largest_study_is_only_queued_by_the_request(
            self, market: ServiceHarness, who: People) -> None:
        # The API never simulates (a worker does, off its event loop); the event-loop lag while
        # a worker executes a study is measured by `make bench` (market.event_loop_lag).
        run = await queue_run(market.client, who, replications=10_000)
        stored = await market.session.get(Run, run["id"])
        assert stored is not None
        assert (stored.status, stored.worker_id, stored.started_at, stored.attempts) == (
            "queued", None, None, 0)
        assert await count(market.session, RunResult) == 0

    @pytest.mark.parametrize(("body", "field"), [
        ({"replications": 0}, "replications"),
        ({"replications": 10_001}, "replications"),
        ({"seed": -1}, "seed"),
        ({"model": "mesa"}, "model"),
        ({"scenario": "Not A Name"}, "scenario"),
        ({"colour": "blue"}, "colour"),
    ])
    async def test_bad_input_is_422_and_writes_nothing(self, market: ServiceHarness, who: People,
                                                       body: dict[str, Any], field: str) -> None:
        payload = {"scenario": "historical", **body}
        response = await market.client.post("/runs", json=payload, headers=who.headers())
        problem = ok(response, 422)
        assert response.headers["content-type"] == "application/problem+json"
        assert ["body", field] in [error["loc"] for error in problem["errors"]]
        assert await count(market.session, Run) == 0
        assert await outbox_events(market.session) == []

    async def test_an_unknown_scenario_is_422(self, market: ServiceHarness, who: People) -> None:
        response = await market.client.post("/runs", json={"scenario": "no-such-scenario"},
                                            headers=who.headers())
        assert ok(response, 422)["errors"][0]["loc"] == ["body", "scenario"]
        assert await count(market.session, Run) == 0

    async def test_runs_are_listed_newest_first_and_filtered(self, market: ServiceHarness,
                                                             who: People) -> None:
        first = await queue_run(market.client, who)
        second = await queue_run(market.client, who, scenario="baseline")
        listed = ok(await market.client.get("/runs", headers=who.headers()))
        assert [r["id"] for r in listed["items"]] == [second["id"], first["id"]]
        only = ok(await market.client.get("/runs?scenario=baseline", headers=who.headers()))
        assert [r["id"] for r in only["items"]] == [second["id"]]
        none = ok(await market.client.get("/runs?status=completed", headers=who.headers()))
        assert none["total"] == 0


class TestCancel:
    async def test_a_queued_run_is_cancelled_at_once(self, market: ServiceHarness,
                                                     who: People) -> None:
        run = await queue_run(market.client, who)
        cancelled = ok(await market.client.post(f"/runs/{run['id']}/cancel",
                                                headers=who.headers()))
        assert (cancelled["status"], cancelled["cancel_requested"]) == ("cancelled", True)
        [event] = await outbox_events(market.session, "market.run.completed.v1")
        assert (event["run_id"], event["status"], event["summary"]) == (run["id"], "cancelled",
                                                                        {})
        again = await market.client.post(f"/runs/{run['id']}/cancel", headers=who.headers())
        assert ok(again, 409)["detail"] == "the run is already cancelled"
        # the request on Kafka finds the run no longer queued: nothing is executed
        assert await execute_run(market.app.state.sessionmaker, run["id"]) == "skipped"

    async def test_a_running_run_stops_when_its_worker_reads_the_flag(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who)
        async with session_scope(market.app.state.sessionmaker) as session:
            await lifecycle.claim(session, run["id"], worker_id="w1", now=datetime.now(UTC))
        flagged = ok(await market.client.post(f"/runs/{run['id']}/cancel",
                                              headers=who.headers()))
        assert (flagged["status"], flagged["cancel_requested"]) == ("running", True)
        status = await execute(market.app.state.sessionmaker, run["id"], worker_id="w1",
                               options=FAST)
        assert status == "cancelled"
        read = ok(await market.client.get(f"/runs/{run['id']}", headers=who.headers()))
        assert read["status"] == "cancelled" and read["finished_at"] is not None
        assert [e["status"] for e in await outbox_events(
            market.session, "market.run.completed.v1")] == ["cancelled"]
        assert await count(market.session, RunResult) == 0


class TestPublish:
    async def test_only_a_completed_run_is_published(self, market: ServiceHarness,
                                                     who: People) -> None:
        queued = await queue_run(market.client, who)
        refused = await market.client.post(f"/runs/{queued['id']}/publish",
                                           headers=who.headers())
        assert ok(refused, 409)["detail"] == ("only completed runs are published; this one is "
                                              "queued")
        done = await completed_run(market, who)
        published = ok(await market.client.post(f"/runs/{done['id']}/publish",
                                                headers=who.headers("doh_admin")))
        assert published["published"] is True and published["published_at"] is not None
        twice = ok(await market.client.post(f"/runs/{done['id']}/publish",
                                            headers=who.headers()))
        assert twice["published_at"] == published["published_at"]
        seen = ok(await market.client.get("/runs", headers=who.headers("ccg_commissioner")))
        assert [r["id"] for r in seen["items"]] == [done["id"]]
