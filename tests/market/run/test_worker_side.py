"""The worker side of runs: claim by the Kafka handler, progress, failure, hand-back, recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from services.market.config import Settings
from services.market.run import lifecycle
from services.market.run.executor import (
    CURRENT_EXECUTOR,
    ExecutionOptions,
    RunExecutor,
    execute,
    execute_run,
)
from services.market.run.handlers import run_requested
from services.market.run.models import Run
from shared.db import session_scope
from shared.events.contracts.market import RunRequested
from shared.events.envelope import new_envelope
from shared.testing.plugin import ServiceHarness
from tests.market.helpers import FAST, People, ok, outbox_events, queue_run


def _now() -> datetime:
    return datetime.now(UTC)


async def _run(market: ServiceHarness, run_id: str) -> Run:
    found = await market.session.scalar(
        select(Run).where(Run.id == run_id).execution_options(populate_existing=True))
    assert found is not None
    return found


async def _deliver(market: ServiceHarness, run: dict[str, Any]) -> None:
    """What the consumer does with a RunRequested: the handler inside one transaction."""
    payload = RunRequested(run_id=run["id"], scenario=run["scenario"],
                           replications=run["replications"], seed=run["seed"])
    envelope = new_envelope(source="/services/market", type_="market.run.requested.v1",
                            subject=run["id"], data=payload.model_dump(mode="json"),
                            correlation_id=None)
    async with market.app.state.sessionmaker() as session, session.begin():
        await run_requested(session, envelope, payload)


class TestRequestHandler:
    async def test_the_worker_claims_the_run_and_queues_it_after_the_commit(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who)
        executor = RunExecutor(Settings(), worker_id="worker-a")
        token = CURRENT_EXECUTOR.set(executor)
        try:
            await _deliver(market, run)
            await _deliver(market, run)  # redelivered: the run is no longer queued
        finally:
            CURRENT_EXECUTOR.reset(token)
        claimed = await _run(market, run["id"])
        assert (claimed.status, claimed.worker_id, claimed.attempts) == ("running", "worker-a", 1)
        assert executor.queue.qsize() == 1 and executor.queue.get_nowait() == run["id"]
        assert executor.held == {run["id"]}

    async def test_a_busy_worker_leaves_the_run_for_an_idle_one(
            self, market: ServiceHarness, who: People) -> None:
        first, second = [await queue_run(market.client, who) for _ in range(2)]
        busy = RunExecutor(Settings(max_concurrent_runs=1), worker_id="worker-busy")
        token = CURRENT_EXECUTOR.set(busy)
        try:
            await _deliver(market, first)
            await _deliver(market, second)  # its one slot is taken
        finally:
            CURRENT_EXECUTOR.reset(token)
        assert busy.held == {first["id"]} and not busy.has_capacity()
        assert (await _run(market, second["id"])).status == "queued"
        idle = RunExecutor(Settings(max_concurrent_runs=2), worker_id="worker-idle")
        assert await idle.pick_up(market.app.state.sessionmaker) == [second["id"]]
        picked = await _run(market, second["id"])
        assert (picked.status, picked.worker_id, picked.attempts) == ("running", "worker-idle", 1)
        assert idle.queue.get_nowait() == second["id"] and idle.has_capacity()
        assert await idle.pick_up(market.app.state.sessionmaker) == []  # nothing else queued

    async def test_a_worker_without_an_executor_leaves_the_run_queued(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who)
        await _deliver(market, run)
        assert (await _run(market, run["id"])).status == "queued"


class TestProgress:
    async def test_progress_and_eta_are_written_while_the_study_runs(
            self, market: ServiceHarness, who: People, monkeypatch: pytest.MonkeyPatch) -> None:
        written: list[tuple[float, float | None]] = []
        report = lifecycle.report

        async def spy(session: Any, run_id: str, **kwargs: Any) -> bool | None:
            if kwargs.get("progress") is not None:
                written.append((kwargs["progress"], kwargs["eta"]))
            return await report(session, run_id, **kwargs)

        monkeypatch.setattr(lifecycle, "report", spy)
        run = await queue_run(market.client, who, replications=400)
        options = ExecutionOptions(progress_interval=0.01, processes=1)
        assert await execute_run(market.app.state.sessionmaker, run["id"],
                                 options=options) == "completed"
        fractions = [fraction for fraction, _ in written]
        assert len(fractions) >= 2 and fractions == sorted(fractions)
        assert fractions[0] < 1 and all(0 < fraction <= 1 for fraction in fractions)
        assert all(eta is not None and eta >= 0 for _, eta in written)


class TestFailure:
    async def test_a_study_that_raises_fails_the_run_with_its_error(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who)
        broken = {**(await _run(market, run["id"])).document, "quarters": 0}
        await market.session.execute(update(Run).where(Run.id == run["id"])
                                     .values(document=broken))
        await market.session.commit()
        assert await execute_run(market.app.state.sessionmaker, run["id"],
                                 options=FAST) == "failed"
        read = ok(await market.client.get(f"/runs/{run['id']}", headers=who.headers()))
        assert read["status"] == "failed" and read["error"].startswith("ValidationError")
        [event] = await outbox_events(market.session, "market.run.completed.v1")
        assert event["status"] == "failed" and "quarters" in event["error"]


class TestOwnership:
    async def test_a_worker_that_lost_the_run_writes_nothing(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who)
        async with session_scope(market.app.state.sessionmaker) as session:
            assert await lifecycle.claim(session, run["id"], worker_id="w1", now=_now())
            assert not await lifecycle.claim(session, run["id"], worker_id="w2", now=_now())
        assert await execute(market.app.state.sessionmaker, run["id"], worker_id="w2",
                             options=FAST) == "skipped"
        assert (await _run(market, run["id"])).status == "running"

    async def test_a_stopping_worker_hands_its_runs_back_to_the_queue(
            self, market: ServiceHarness, who: People) -> None:
        run = await queue_run(market.client, who)
        async with session_scope(market.app.state.sessionmaker) as session:
            await lifecycle.claim(session, run["id"], worker_id="w1", now=_now())
            assert await lifecycle.hand_back(session, worker_id="w1") == [run["id"]]
        back = await _run(market, run["id"])
        assert (back.status, back.worker_id, back.attempts) == ("queued", None, 1)
        requests = await outbox_events(market.session, "market.run.requested.v1")
        assert [r["attempt"] for r in requests] == [1, 2]


class TestRecovery:
    async def _stale(self, market: ServiceHarness, run_id: str, attempts: int) -> None:
        await market.session.execute(update(Run).where(Run.id == run_id).values(
            status="running", worker_id="dead", attempts=attempts,
            heartbeat_at=_now() - timedelta(minutes=5)))
        await market.session.commit()

    async def test_a_run_whose_worker_died_is_queued_again(self, market: ServiceHarness,
                                                           who: People) -> None:
        run = await queue_run(market.client, who)
        alive = await queue_run(market.client, who)
        await self._stale(market, run["id"], attempts=1)
        async with session_scope(market.app.state.sessionmaker) as session:
            await lifecycle.claim(session, alive["id"], worker_id="w1", now=_now())
            done = await lifecycle.recover(session, now=_now(), stale_after=60, max_attempts=3)
        assert done == {run["id"]: "queued"}
        requests = await outbox_events(market.session, "market.run.requested.v1")
        assert [(r["run_id"], r["attempt"]) for r in requests][-1] == (run["id"], 2)
        assert await execute_run(market.app.state.sessionmaker, run["id"],
                                 options=FAST) == "completed"

    async def test_after_too_many_attempts_the_run_fails(self, market: ServiceHarness,
                                                         who: People) -> None:
        run = await queue_run(market.client, who)
        await self._stale(market, run["id"], attempts=3)
        async with session_scope(market.app.state.sessionmaker) as session:
            done = await lifecycle.recover(session, now=_now(), stale_after=60, max_attempts=3)
        assert done == {run["id"]: "failed"}
        read = ok(await market.client.get(f"/runs/{run['id']}", headers=who.headers()))
        assert read["error"] == "its worker stopped 3 time(s) without finishing"
        [event] = await outbox_events(market.session, "market.run.completed.v1")
        assert event["status"] == "failed"
