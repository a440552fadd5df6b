from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.market.deps import NowDep, Runner, RunReader
from services.market.run import results, service
from services.market.run.models import Run
from services.market.run.schemas import RunComparison, RunCreate, RunRead, Status
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(tags=["runs"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


def read(run: Run) -> RunRead:
    columns = {c.key: getattr(run, c.key) for c in Run.__table__.columns}
    return RunRead.model_validate({**columns, "progress_percent": round(run.progress * 100, 1)})


@router.post("/runs", response_model=RunRead, status_code=status.HTTP_202_ACCEPTED,
             responses=ERRORS)
async def create_run(data: RunCreate, session: SessionDep, principal: Runner,
                     now: NowDep) -> RunRead:
    """Queue a Monte Carlo study of a scenario (NHS CB and DoH). The API only stores the run
    (`queued`) and its `market.run.requested.v1` event; a market worker executes it. Follow
    `GET /runs/{id}` for status, progress and ETA. An unknown scenario is 422."""
    return read(await service.create(session, data, by=principal, now=now))


@router.get("/runs", response_model=Page[RunRead], responses=ERRORS)
async def list_runs(
    session: SessionDep, page: PageDep, principal: RunReader,
    status: Annotated[Status | None, Query()] = None,
    scenario: Annotated[str | None, Query(max_length=64)] = None,
    published: Annotated[bool | None, Query()] = None,
) -> Page[RunRead]:
    """Runs you may see, newest first (SHAs and CCGs: published runs only)."""
    items, total = await service.get_all(session, page, by=principal, status=status,
                                         scenario=scenario, published=published)
    return Page[RunRead](items=[read(run) for run in items], total=total, limit=page.limit,
                         offset=page.offset)


@router.get("/runs/compare", response_model=RunComparison, responses=ERRORS)
async def compare_runs(
    session: SessionDep, principal: RunReader,
    a: Annotated[str, Query(max_length=36, description="the base run")],
    b: Annotated[str, Query(max_length=36, description="the variant run")],
) -> RunComparison:
    """Scenario comparison of two completed runs of the same model: for each output and
    quarter, b's mean minus a's with a 90% interval (409 until both completed)."""
    first = await service.results(session, a, by=principal)
    second = await service.results(session, b, by=principal)
    return RunComparison.model_validate(results.comparison(first, second))


@router.get("/runs/{run_id}", response_model=RunRead, responses=ERRORS)
async def read_run(run_id: str, session: SessionDep, principal: RunReader) -> RunRead:
    """One run: status, progress (percent), ETA in seconds while running, the calibration
    inputs it used and, once completed, its final-quarter means."""
    return read(await service.get(session, run_id, by=principal))


@router.post("/runs/{run_id}/cancel", response_model=RunRead, responses=ERRORS)
async def cancel_run(run_id: str, session: SessionDep, principal: Runner,
                     now: NowDep) -> RunRead:
    """Cancel a run (NHS CB and DoH): a queued run at once, a running one within about a
    second (its worker checks between chunks of replications). A finished run is 409."""
    return read(await service.cancel(session, run_id, by=principal, now=now))


@router.post("/runs/{run_id}/publish", response_model=RunRead, responses=ERRORS)
async def publish_run(run_id: str, session: SessionDep, principal: Runner,
                      now: NowDep) -> RunRead:
    """Publish a completed run to SHAs and CCGs (NHS CB and DoH); 409 before completion."""
    return read(await service.publish(session, run_id, by=principal, now=now))
