from __future__ import annotations

from fastapi import APIRouter

from services.assurance.assessment import service as assessments
from services.assurance.assessment.schemas import TransitionNote
from services.assurance.assessment.views import AssessmentRead
from services.assurance.deps import Assessor
from services.assurance.panel import service
from services.assurance.panel.schemas import PanelConvene, PanelScores
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/assessments", tags=["panel"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("/{assessment_id}/panel", response_model=AssessmentRead, responses=ERRORS)
async def convene_panel(assessment_id: str, data: PanelConvene, session: SessionDep,
                        principal: Assessor) -> AssessmentRead:
    """Convene the panel (an assessor of the PCT's own SHA, who leads it), naming peer
    assessors from other PCTs: self_assessment_submitted -> panel."""
    assessment = await service.convene(session, assessment_id, data, principal)
    return await assessments.read(session, assessment)


@router.patch("/{assessment_id}/panel-scores", response_model=AssessmentRead,
              responses=ERRORS)
async def score_panel(assessment_id: str, data: PanelScores, session: SessionDep,
                      principal: Assessor) -> AssessmentRead:
    """Record panel levels and governance ratings (panel members only, while the panel sits;
    nobody scores their own organisation)."""
    assessment = await service.score(session, assessment_id, data, principal)
    return await assessments.read(session, assessment)


@router.post("/{assessment_id}/panel-completion", response_model=AssessmentRead,
             responses=ERRORS)
async def complete_panel(assessment_id: str, session: SessionDep, principal: Assessor,
                         data: TransitionNote | None = None) -> AssessmentRead:
    """The panel lead closes scoring once everything is rated: panel -> panel_scored."""
    assessment = await service.complete(session, assessment_id, principal,
                                        data.note if data else None)
    return await assessments.read(session, assessment)
