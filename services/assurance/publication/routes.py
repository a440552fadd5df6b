from __future__ import annotations

from fastapi import APIRouter

from services.assurance.assessment import service as assessments
from services.assurance.assessment.views import AssessmentRead
from services.assurance.deps import DohAdmin
from services.assurance.publication import service
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/assessments", tags=["publication"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("/{assessment_id}/publication", response_model=AssessmentRead, responses=ERRORS)
async def publish_assessment(assessment_id: str, session: SessionDep,
                             principal: DohAdmin) -> AssessmentRead:
    """Publish a nationally calibrated assessment (DoH administrators). Freezes the result,
    decides earned autonomy and support needs, and emits assurance.assessment.rated,
    assurance.autonomy.granted and assurance.support_need.identified."""
    assessment = await service.publish_assessment(session, assessment_id, principal)
    return await assessments.read(session, assessment)
