"""Executing runs in a market worker, off the event loop.

The RunRequested handler claims a run inside the consumer's inbox transaction when this worker
has a free slot and, once that commits, puts its id on this worker's local queue; a busy worker
leaves the run queued, and an idle worker's pick-up loop claims it from the database (so a run
never waits behind another while a worker of the group is idle). Slots take runs from the
queue and execute the study in a thread (`asyncio.to_thread`; large studies fan out to
processes), so neither the consumer nor the relay waits for a simulation. A monitor coroutine
per run writes progress and ETA (every `run_progress_interval`) and reads the cancellation
flag; results are written in a transaction of their own. On shutdown the worker hands its
runs back to the queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from services.market.config import Settings
from services.market.run import lifecycle
from services.market.run.execution import Job, Outcome, simulate
from services.market.run.models import CANCELLED, COMPLETED, FAILED
from services.market.simulation import SimulationCancelled
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.stopping import stopped_after

log = logging.getLogger(__name__)
Sessions = async_sessionmaker[AsyncSession]

# The executor of the worker this task belongs to (set by services.market.worker.run).
CURRENT_EXECUTOR: ContextVar[RunExecutor | None] = ContextVar("market_run_executor",
                                                              default=None)


def _now() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class ExecutionOptions:
    progress_interval: float = 0.5
    processes: int | None = None

    @classmethod
    def of(cls, settings: Settings) -> ExecutionOptions:
        return cls(settings.run_progress_interval, settings.simulation_processes)


class Monitor:
    """Between the simulation thread and the event loop: progress in, cancellation out."""

    def __init__(self, stopping: threading.Event | None = None) -> None:
        self.fraction = 0.0
        self.written = 0.0
        self.started = time.monotonic()
        self.cancel = threading.Event()
        self.reason = ""  # cancelled (asked for) | lost (someone else holds the run) | shutdown
        self.stopping = stopping

    def progress(self, fraction: float) -> None:
        self.fraction = fraction

    def should_cancel(self) -> bool:
        if self.stopping is not None and self.stopping.is_set():
            self.stop("shutdown")
        return self.cancel.is_set()

    def stop(self, reason: str) -> None:
        if not self.cancel.is_set():
            self.reason = reason
            self.cancel.set()

    def eta(self) -> float | None:
        if self.fraction <= 0:
            return None
        elapsed = time.monotonic() - self.started
        return round(elapsed * (1.0 - self.fraction) / self.fraction, 1)

    async def check_in(self, sessions: Sessions, run_id: str, worker_id: str) -> None:
        """Write progress when it moved; learn whether to stop."""
        fraction = self.fraction
        moved = fraction > self.written
        async with session_scope(sessions) as session:
            cancel = await lifecycle.report(
                session, run_id, worker_id=worker_id, now=_now(),
                progress=round(fraction, 4) if moved else None, eta=self.eta())
        self.written = fraction if moved else self.written
        if cancel is None:
            self.stop("lost")
        elif cancel:
            self.stop("cancelled")


async def _watch(task: asyncio.Future[Outcome], monitor: Monitor, sessions: Sessions,
                 run_id: str, worker_id: str, interval: float) -> None:
    while not task.done():
        await asyncio.wait({task}, timeout=interval)
        if task.done():
            return
        try:
            await monitor.check_in(sessions, run_id, worker_id)
        except Exception as exc:  # a database hiccup must not stop the study
            log.warning("progress not written", extra={"run_id": run_id, "error": str(exc)})


async def _simulate(sessions: Sessions, run_id: str, worker_id: str, options: ExecutionOptions,
                    monitor: Monitor, job: Job) -> tuple[Outcome | None, str | None]:
    task = asyncio.ensure_future(asyncio.to_thread(
        simulate, job, processes=options.processes, progress=monitor.progress,
        should_cancel=monitor.should_cancel))
    await _watch(task, monitor, sessions, run_id, worker_id, options.progress_interval)
    try:
        return task.result(), None
    except SimulationCancelled:
        return None, None
    except Exception as exc:
        log.exception("run failed", extra={"run_id": run_id})
        return None, f"{type(exc).__name__}: {exc}"


async def execute(sessions: Sessions, run_id: str, *, worker_id: str,
                  options: ExecutionOptions = ExecutionOptions(),
                  stopping: threading.Event | None = None) -> str:
    """Execute a run this worker holds and store how it ended; returns that status
    ("completed", "failed", "cancelled", "handed back", or "lost" / "skipped")."""
    async with session_scope(sessions) as session:
        found = await lifecycle.job_for(session, run_id, worker_id=worker_id)
    if found is None:
        return "skipped"
    job, cancel_requested = found
    monitor = Monitor(stopping)
    if cancel_requested:
        monitor.stop("cancelled")
    outcome, error = None, None
    if not monitor.should_cancel():
        outcome, error = await _simulate(sessions, run_id, worker_id, options, monitor, job)
    return await _conclude(sessions, run_id, worker_id, monitor, outcome, error)


async def _conclude(sessions: Sessions, run_id: str, worker_id: str, monitor: Monitor,
                    outcome: Outcome | None, error: str | None) -> str:
    if outcome is not None:
        status = COMPLETED
    elif error is not None:
        status = FAILED
    else:
        status = {"cancelled": CANCELLED, "shutdown": "handed back"}.get(monitor.reason, "lost")
    async with session_scope(sessions) as session:
        if status == "handed back":
            await lifecycle.hand_back(session, worker_id=worker_id, run_id=run_id)
        elif status != "lost" and await lifecycle.finish(
                session, run_id, worker_id=worker_id, now=_now(), status=status,
                outcome=outcome, error=error) is None:
            status = "lost"
    log.info("run concluded", extra={"run_id": run_id, "status": status})
    return status


async def execute_run(sessions: Sessions, run_id: str, *, worker_id: str = "direct",
                      options: ExecutionOptions = ExecutionOptions()) -> str:
    """Claim a queued run and execute it here and now (the worker's path, without Kafka)."""
    async with session_scope(sessions) as session:
        await lifecycle.claim(session, run_id, worker_id=worker_id, now=_now())
    return await execute(sessions, run_id, worker_id=worker_id, options=options)


class RunExecutor:
    """A worker's local run queue, its execution slots and their heartbeats."""

    def __init__(self, settings: Settings, *, worker_id: str | None = None) -> None:
        self.settings = settings
        self.worker_id = worker_id or default_worker_id()
        self.options = ExecutionOptions.of(settings)
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.held: set[str] = set()  # claimed and committed: waiting for a slot or executing
        self.pending: set[str] = set()  # claimed in a transaction not yet committed
        self.stopping = threading.Event()

    def has_capacity(self) -> bool:
        """Whether a further run would start at once (a slot is free)."""
        return len(self.held) + len(self.pending) < self.settings.max_concurrent_runs

    def submit_after_commit(self, session: AsyncSession, run_id: str) -> None:
        """Queue the run once the transaction that claimed it has committed (never before)."""
        self.pending.add(run_id)

        def queue(_session: Session) -> None:
            self.pending.discard(run_id)
            self.held.add(run_id)
            self.queue.put_nowait(run_id)

        def forget(_session: Session) -> None:
            self.pending.discard(run_id)

        event.listen(session.sync_session, "after_commit", queue, once=True)
        event.listen(session.sync_session, "after_rollback", forget, once=True)

    async def serve(self, stop: asyncio.Event) -> None:
        """Execute queued runs until `stop`; then hand back whatever this worker still holds."""
        engine = create_engine(self.settings.resolved_database_url(), pool_size=2)
        sessions = create_sessionmaker(engine)
        slots = [asyncio.create_task(self._slot(sessions))
                 for _ in range(self.settings.max_concurrent_runs)]
        beats = asyncio.create_task(self._heartbeats(sessions, stop))
        pickup = asyncio.create_task(self._pick_up(sessions, stop))
        try:
            await stop.wait()
        finally:
            self.stopping.set()
            for _ in slots:
                self.queue.put_nowait(None)
            await asyncio.gather(*slots, beats, pickup, return_exceptions=True)
            await self._hand_back_all(sessions)
            await engine.dispose()

    async def _slot(self, sessions: Sessions) -> None:
        while (run_id := await self.queue.get()) is not None:
            try:
                await execute(sessions, run_id, worker_id=self.worker_id, options=self.options,
                              stopping=self.stopping)
            except Exception:  # the run stops heartbeating; recovery re-queues it
                log.exception("run execution broke off", extra={"run_id": run_id})
            finally:
                self.held.discard(run_id)

    async def pick_up(self, sessions: Sessions) -> list[str]:
        """Claim queued runs while a slot is free (runs whose request reached a busy worker,
        or whose worker handed them back); returns the ids claimed."""
        claimed: list[str] = []
        while self.has_capacity() and not self.stopping.is_set():
            async with session_scope(sessions) as session:
                run_id = await lifecycle.claim_next(session, worker_id=self.worker_id,
                                                    now=_now())
            if run_id is None:
                break
            self.held.add(run_id)
            self.queue.put_nowait(run_id)
            claimed.append(run_id)
        return claimed

    async def _pick_up(self, sessions: Sessions, stop: asyncio.Event) -> None:
        while not await stopped_after(stop, self.settings.run_pickup_interval):
            try:
                if claimed := await self.pick_up(sessions):
                    log.info("queued runs picked up", extra={"runs": claimed})
            except Exception as exc:
                log.warning("pick-up sweep failed", extra={"error": str(exc)})

    async def _heartbeats(self, sessions: Sessions, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await stopped_after(stop, self.settings.run_heartbeat_interval)
            try:
                async with session_scope(sessions) as session:
                    await lifecycle.heartbeat(session, set(self.held), worker_id=self.worker_id,
                                              now=_now())
            except Exception as exc:
                log.warning("heartbeat not written", extra={"error": str(exc)})

    async def _hand_back_all(self, sessions: Sessions) -> None:
        try:
            async with session_scope(sessions) as session:
                ids = await lifecycle.hand_back(session, worker_id=self.worker_id)
            if ids:
                log.info("runs handed back", extra={"runs": ids})
        except Exception as exc:
            log.warning("runs not handed back; recovery will re-queue them",
                        extra={"error": str(exc)})
