from __future__ import annotations

from fastapi import APIRouter, status

from services.assurance.cycle import service
from services.assurance.cycle.schemas import CycleCreate, CycleDetail, CyclePublication, CycleRead
from services.assurance.deps import DohAdmin, Reader
from services.assurance.publication import service as publication
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/cycles", tags=["cycles"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", response_model=CycleDetail, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def open_cycle(data: CycleCreate, session: SessionDep, principal: DohAdmin) -> CycleDetail:
    """Open a cycle (DoH administrators): every PCT active on `opens_on` in the organisation
    directory gets a draft assessment carrying last year's self-assessment forward."""
    cycle = await service.open_cycle(session, data, principal)
    counts = await service.status_counts(session, cycle.id)
    return CycleDetail(**CycleRead.model_validate(cycle).model_dump(), assessments=counts)


@router.get("", response_model=Page[CycleRead], responses=ERRORS)
async def list_cycles(session: SessionDep, page: PageDep, _: Reader) -> Page[CycleRead]:
    """Every cycle, newest year first."""
    items, total = await service.get_all(session, page)
    return Page[CycleRead](items=[CycleRead.model_validate(c) for c in items], total=total,
                           limit=page.limit, offset=page.offset)


@router.get("/{cycle_id}", response_model=CycleDetail, responses=ERRORS)
async def read_cycle(cycle_id: str, session: SessionDep, _: Reader) -> CycleDetail:
    """One cycle, with how many assessments are in each state."""
    cycle = await service.get(session, cycle_id)
    counts = await service.status_counts(session, cycle.id)
    return CycleDetail(**CycleRead.model_validate(cycle).model_dump(), assessments=counts)


@router.post("/{cycle_id}/publication", response_model=CyclePublication, responses=ERRORS)
async def publish_cycle(cycle_id: str, session: SessionDep,
                        principal: DohAdmin) -> CyclePublication:
    """Publish every nationally calibrated assessment of the cycle (DoH administrators).
    Emits assurance.assessment.rated, assurance.autonomy.granted and
    assurance.support_need.identified for each."""
    return await publication.publish_cycle(session, cycle_id, principal)
