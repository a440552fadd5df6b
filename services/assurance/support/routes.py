from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.assurance.deps import Reader
from services.assurance.support import service
from services.assurance.support.schemas import SupportNeedRead
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(tags=["support"])
ERRORS = problem_responses(401, 403, 422)


@router.get("/support-needs", response_model=Page[SupportNeedRead], responses=ERRORS)
async def list_support_needs(
    session: SessionDep, page: PageDep, principal: Reader,
    cycle_id: Annotated[str | None, Query(max_length=36)] = None,
    pct_id: Annotated[str | None, Query(max_length=36)] = None,
    assessment_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[SupportNeedRead]:
    """Support needs found on publication (competencies below the cycle's target), with the
    King's Fund form of support and FESC grouping that matches each; scoped to what you see."""
    items, total = await service.get_all(session, page, principal, cycle_id=cycle_id,
                                         pct_id=pct_id, assessment_id=assessment_id)
    return Page[SupportNeedRead](items=[SupportNeedRead.model_validate(n) for n in items],
                                 total=total, limit=page.limit, offset=page.offset)
