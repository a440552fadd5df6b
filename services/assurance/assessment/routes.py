from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.assurance.assessment import changes, service
from services.assurance.assessment.changes import ChangesSinceLastYear
from services.assurance.assessment.schemas import (
    OutcomesUpdate,
    SelfAssessmentUpdate,
    TransitionNote,
)
from services.assurance.assessment.views import (
    AssessmentRead,
    AssessmentSummary,
    HistoryEntryRead,
)
from services.assurance.assessment.workflow import Status
from services.assurance.deps import Commissioner, Reader
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/assessments", tags=["assessments"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("", response_model=Page[AssessmentSummary], responses=ERRORS)
async def list_assessments(
    session: SessionDep, page: PageDep, principal: Reader,
    cycle_id: Annotated[str | None, Query(max_length=36)] = None,
    pct_id: Annotated[str | None, Query(max_length=36)] = None,
    sha_id: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[Status | None, Query(description="workflow state")] = None,
) -> Page[AssessmentSummary]:
    """Assessments you may see (your PCT's, your SHA's PCTs', panels you sit on until they
    are published; DoH all; NHS CB published ones), by cycle and PCT."""
    items, total = await service.get_all(session, page, principal, cycle_id=cycle_id,
                                         pct_id=pct_id, sha_id=sha_id,
                                         status=status.value if status else None)
    return Page[AssessmentSummary](
        items=[AssessmentSummary.model_validate(a) for a in items], total=total,
        limit=page.limit, offset=page.offset)


@router.get("/{assessment_id}", response_model=AssessmentRead, responses=ERRORS)
async def read_assessment(assessment_id: str, session: SessionDep,
                          principal: Reader) -> AssessmentRead:
    """One assessment with its scores by the documented rule, self/panel flags, metric caps,
    calibration, outcomes and external support on record. 404 if you may not see it."""
    return await service.read(session, await service.get(session, assessment_id, principal))


@router.get("/{assessment_id}/history", response_model=list[HistoryEntryRead],
            responses=ERRORS)
async def assessment_history(assessment_id: str, session: SessionDep,
                             principal: Reader) -> list[HistoryEntryRead]:
    """Every change, oldest first: who, when, from which state to which, and why."""
    entries = await service.history(session, assessment_id, principal)
    return [HistoryEntryRead.model_validate(entry) for entry in entries]


@router.get("/{assessment_id}/changes-since-last-year", response_model=ChangesSinceLastYear,
            responses=ERRORS)
async def changes_since_last_year(assessment_id: str, session: SessionDep,
                                  principal: Reader) -> ChangesSinceLastYear:
    """Last year's self, panel and published levels beside this year's self-assessment."""
    return await changes.since_last_year(session, assessment_id, principal)


@router.patch("/{assessment_id}/self-assessment", response_model=AssessmentRead,
              responses=ERRORS)
async def update_self_assessment(assessment_id: str, data: SelfAssessmentUpdate,
                                 session: SessionDep, principal: Commissioner) -> AssessmentRead:
    """Set self-assessed sub-competency levels (the PCT's commissioners). After the panel
    has scored, an edit voids the review: panel scores and calibration are cleared and the
    assessment returns to `panel`. Published assessments cannot change (409)."""
    assessment = await service.update_self_assessment(session, assessment_id, data, principal)
    return await service.read(session, assessment)


@router.put("/{assessment_id}/outcomes", response_model=AssessmentRead, responses=ERRORS)
async def set_outcomes(assessment_id: str, data: OutcomesUpdate, session: SessionDep,
                       principal: Commissioner) -> AssessmentRead:
    """Replace the PCT's chosen outcomes: trajectory and the cycle year's actual value. The
    framework's metric caps apply to the panel levels. Voids a review like a self-assessment
    edit."""
    assessment = await service.set_outcomes(session, assessment_id, data, principal)
    return await service.read(session, assessment)


@router.post("/{assessment_id}/submission", response_model=AssessmentRead, responses=ERRORS)
async def submit_self_assessment(assessment_id: str, session: SessionDep,
                                 principal: Commissioner,
                                 data: TransitionNote | None = None) -> AssessmentRead:
    """Submit the self-assessment to the SHA: draft -> self_assessment_submitted. Every scored
    sub-competency needs a level (422 lists the missing)."""
    note = data.note if data else None
    assessment = await service.submit(session, assessment_id, principal, note)
    return await service.read(session, assessment)
