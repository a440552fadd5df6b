"""Runs through the API: queue, read, cancel, publish; results and comparisons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.market.access import run_scope
from services.market.database import outbox
from services.market.observation.service import with_inputs
from services.market.run import events
from services.market.run.models import (
    CANCELLED,
    COMPLETED,
    FINISHED,
    QUEUED,
    Run,
    RunResult,
)
from services.market.run.repository import page as paged
from services.market.run.schemas import RunCreate
from services.market.scenario import service as scenarios
from services.market.simulation.scenario import Scenario
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.pagination import PageParams


async def create(session: AsyncSession, data: RunCreate, *, by: Principal,
                 now: datetime) -> Run:
    """Store the run (queued) and its RunRequested in the outbox; nothing is simulated here."""
    found = await scenarios.find(session, data.scenario)
    if found is None:
        raise RuleViolation(f"scenario {data.scenario!r} does not exist", errors=[{
            "loc": ["body", "scenario"], "msg": "no built-in or custom scenario of this name"}])
    scenario = Scenario.model_validate(found.document)
    inputs: dict[str, object] = {"used": False}
    if data.calibration_inputs:
        scenario, inputs = await with_inputs(session, scenario)
    run = Run(scenario=data.scenario, model=data.model, replications=data.replications,
              seed=data.seed, document=scenario.model_dump(mode="json"), inputs=inputs,
              status=QUEUED, progress=0.0, cancel_requested=False, published=False, attempts=0,
              owner_org_id=by.org_id, created_by=by.subject, created_at=now)
    session.add(run)
    await session.flush()
    await outbox.add(session, events.requested(run))
    return run


async def get(session: AsyncSession, run_id: str, *, by: Principal,
              for_update: bool = False) -> Run:
    query = select(Run).where(Run.id == run_id, run_scope(by))
    run = await session.scalar(query.with_for_update() if for_update else query)
    if run is None:
        raise NotFound(f"run {run_id} does not exist or is not yours to see")
    return run


async def get_all(session: AsyncSession, page: PageParams, *, by: Principal,
                  status: str | None = None, scenario: str | None = None,
                  published: bool | None = None) -> tuple[Sequence[Run], int]:
    query = select(Run).where(run_scope(by))
    if status is not None:
        query = query.where(Run.status == status)
    if scenario is not None:
        query = query.where(Run.scenario == scenario)
    if published is not None:
        query = query.where(Run.published.is_(published))
    return await paged(session, query, (Run.created_at.desc(), Run.id), limit=page.limit,
                       offset=page.offset)


async def cancel(session: AsyncSession, run_id: str, *, by: Principal, now: datetime) -> Run:
    """A queued run is cancelled at once; a running one when its worker next checks (<1 s)."""
    run = await get(session, run_id, by=by, for_update=True)
    if run.status in FINISHED:
        raise Conflict(f"the run is already {run.status}")
    run.cancel_requested, run.cancelled_by = True, by.subject
    if run.status == QUEUED:
        run.status, run.finished_at, run.eta_seconds = CANCELLED, now, None
        await outbox.add(session, events.completed(run))
    return run


async def publish(session: AsyncSession, run_id: str, *, by: Principal, now: datetime) -> Run:
    """Make a completed run visible to SHAs and CCGs (publishing twice changes nothing)."""
    run = await get(session, run_id, by=by, for_update=True)
    if run.status != COMPLETED:
        raise Conflict(f"only completed runs are published; this one is {run.status}")
    if not run.published:
        run.published, run.published_by, run.published_at = True, by.subject, now
    return run


async def results(session: AsyncSession, run_id: str, *, by: Principal) -> tuple[Run, RunResult]:
    """A visible, completed run and its stored results (409 before completion)."""
    run = await get(session, run_id, by=by)
    result = await session.get(RunResult, run.id)
    if result is None:
        raise Conflict(f"the run is {run.status}; results are stored when it completes")
    return run, result
