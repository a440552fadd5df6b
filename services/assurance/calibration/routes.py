from __future__ import annotations

from fastapi import APIRouter

from services.assurance.assessment import service as assessments
from services.assurance.assessment.views import AssessmentRead
from services.assurance.calibration import service
from services.assurance.calibration.schemas import Calibration, RegionalCalibration
from services.assurance.deps import DohAdmin, ShaAdmin
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/assessments", tags=["calibration"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("/{assessment_id}/regional-calibration", response_model=AssessmentRead,
             responses=ERRORS)
async def calibrate_regionally(assessment_id: str, data: RegionalCalibration,
                               session: SessionDep, principal: ShaAdmin) -> AssessmentRead:
    """The PCT's SHA confirms or adjusts the panel result, each change with a reason:
    panel_scored -> regionally_calibrated."""
    assessment = await service.regional(session, assessment_id, data, principal)
    return await assessments.read(session, assessment)


@router.post("/{assessment_id}/national-calibration", response_model=AssessmentRead,
             responses=ERRORS)
async def calibrate_nationally(assessment_id: str, data: Calibration, session: SessionDep,
                               principal: DohAdmin) -> AssessmentRead:
    """DoH confirms or adjusts, each change with a reason:
    regionally_calibrated -> nationally_calibrated."""
    assessment = await service.national(session, assessment_id, data, principal)
    return await assessments.read(session, assessment)
