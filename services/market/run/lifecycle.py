"""A run's life on the worker side: claim, progress, finish, hand back, recover.

Every transition is a guarded write: a worker changes a run only while the row says it holds
it (`status = running` and its `worker_id`), so a run is executed and concluded once even when
Kafka redelivers a request, two workers race, or a worker presumed dead comes back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.market.database import outbox
from services.market.run import events
from services.market.run.execution import Job, Outcome
from services.market.run.models import (
    CANCELLED,
    FAILED,
    QUEUED,
    RUNNING,
    Run,
    RunResult,
)

ERROR_LENGTH = 2000


def _held(run_id: str, worker_id: str) -> Any:
    return (Run.id == run_id) & (Run.worker_id == worker_id) & (Run.status == RUNNING)


async def claim(session: AsyncSession, run_id: str, *, worker_id: str, now: datetime) -> bool:
    """queued -> running for this worker; False when the run is not queued (any more)."""
    result = await session.execute(
        update(Run).where(Run.id == run_id, Run.status == QUEUED)
        .values(status=RUNNING, worker_id=worker_id, heartbeat_at=now, started_at=now,
                attempts=Run.attempts + 1, progress=0.0, eta_seconds=None))
    return cast(CursorResult[Any], result).rowcount == 1


async def claim_next(session: AsyncSession, *, worker_id: str, now: datetime) -> str | None:
    """Claim the oldest queued run for this worker (an idle worker's pick-up); None if none.

    `FOR UPDATE SKIP LOCKED` on PostgreSQL keeps two idle workers off the same row; the
    guarded `claim` settles any remaining race (and the Kafka path's)."""
    candidates = (await session.scalars(
        select(Run.id).where(Run.status == QUEUED).order_by(Run.created_at, Run.id).limit(5)
        .with_for_update(skip_locked=True))).all()
    for run_id in candidates:
        if await claim(session, run_id, worker_id=worker_id, now=now):
            return run_id
    return None


async def job_for(session: AsyncSession, run_id: str, *,
                  worker_id: str) -> tuple[Job, bool] | None:
    """The job of a run this worker holds, and whether cancellation was asked for."""
    run = await session.scalar(select(Run).where(_held(run_id, worker_id)))
    if run is None:
        return None
    job = Job(run.id, run.model, dict(run.document), run.replications, run.seed)
    return job, run.cancel_requested


async def report(session: AsyncSession, run_id: str, *, worker_id: str, now: datetime,
                 progress: float | None = None, eta: float | None = None) -> bool | None:
    """Heartbeat (and progress); None when the run is no longer this worker's, otherwise
    whether cancellation has been asked for."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if progress is not None:
        values |= {"progress": progress, "eta_seconds": eta}
    result = await session.execute(update(Run).where(_held(run_id, worker_id)).values(values))
    if cast(CursorResult[Any], result).rowcount == 0:
        return None
    return bool(await session.scalar(select(Run.cancel_requested).where(Run.id == run_id)))


async def heartbeat(session: AsyncSession, run_ids: Collection[str], *, worker_id: str,
                    now: datetime) -> None:
    """The worker is alive and still holds these runs (waiting or executing)."""
    if run_ids:
        await session.execute(update(Run).where(
            Run.id.in_(sorted(run_ids)), Run.worker_id == worker_id, Run.status == RUNNING)
            .values(heartbeat_at=now))


async def finish(session: AsyncSession, run_id: str, *, worker_id: str, now: datetime,
                 status: str, outcome: Outcome | None = None,
                 error: str | None = None) -> Run | None:
    """Conclude a held run (results with it when completed) and announce it; None if lost."""
    run = await session.scalar(select(Run).where(_held(run_id, worker_id)).with_for_update())
    if run is None:
        return None
    run.status, run.finished_at, run.eta_seconds = status, now, None
    run.error = error[:ERROR_LENGTH] if error else None
    if outcome is not None:
        run.progress, run.headline = 1.0, outcome.headline
        session.add(RunResult(run_id=run.id, quarters=outcome.quarters, outputs=outcome.outputs,
                              events=outcome.events, stored_at=now))
    await outbox.add(session, events.completed(run))
    return run


async def _requeue(session: AsyncSession, run: Run) -> None:
    await outbox.add(session, events.requested(run))
    run.status, run.worker_id, run.heartbeat_at = QUEUED, None, None
    run.progress, run.eta_seconds = 0.0, None


async def hand_back(session: AsyncSession, *, worker_id: str,
                    run_id: str | None = None) -> list[str]:
    """Re-queue runs this worker holds (one, or all) for another worker: it is stopping."""
    query = select(Run).where(Run.worker_id == worker_id, Run.status == RUNNING)
    if run_id is not None:
        query = query.where(Run.id == run_id)
    runs = (await session.scalars(query.with_for_update())).all()
    for run in runs:
        await _requeue(session, run)
    return [run.id for run in runs]


async def recover(session: AsyncSession, *, now: datetime, stale_after: float,
                  max_attempts: int) -> dict[str, str]:
    """Runs whose worker stopped heartbeating: re-queued, or failed after `max_attempts`."""
    cutoff = now - timedelta(seconds=stale_after)
    stale = (await session.scalars(
        select(Run).where(Run.status == RUNNING, Run.heartbeat_at < cutoff).order_by(Run.id)
        .limit(100).with_for_update(skip_locked=True))).all()
    done: dict[str, str] = {}
    for run in stale:
        if run.cancel_requested or run.attempts >= max_attempts:
            run.status, run.finished_at, run.eta_seconds = (
                CANCELLED if run.cancel_requested else FAILED), now, None
            if run.status == FAILED:
                run.error = f"its worker stopped {run.attempts} time(s) without finishing"
            await outbox.add(session, events.completed(run))
        else:
            await _requeue(session, run)
        done[run.id] = run.status
    return done
