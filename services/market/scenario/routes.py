from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, status

from services.market.deps import NowDep, Runner
from services.market.scenario import service
from services.market.scenario.schemas import ScenarioCreate, ScenarioRead, ScenarioSummary
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(tags=["scenarios"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("/scenarios", response_model=Page[ScenarioSummary], responses=ERRORS)
async def list_scenarios(session: SessionDep, page: PageDep,
                         principal: Runner) -> Page[ScenarioSummary]:
    """Built-in scenarios (baseline, historical and the variants) then custom ones, by name
    (NHS CB and DoH)."""
    items, total = await service.get_all(session, page)
    return Page[ScenarioSummary](items=[ScenarioSummary.model_validate(asdict(v)) for v in items],
                                 total=total, limit=page.limit, offset=page.offset)


@router.get("/scenarios/{name}", response_model=ScenarioRead, responses=ERRORS)
async def read_scenario(name: str, session: SessionDep, principal: Runner) -> ScenarioRead:
    """One scenario: what it changes over the scenario it extends, and the complete document."""
    return ScenarioRead.model_validate(asdict(await service.get(session, name)))


@router.post("/scenarios", response_model=ScenarioRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def create_scenario(data: ScenarioCreate, session: SessionDep, principal: Runner,
                          now: NowDep) -> ScenarioRead:
    """Store a custom scenario: a built-in one with some parameters changed, owned by your
    organisation. The document is validated by the simulation's models; each problem is a
    422 field error under `body.parameters` (e.g. `csus.count`). A taken name is 409."""
    view = await service.create(session, data, by=principal, now=now)
    return ScenarioRead.model_validate(asdict(view))
