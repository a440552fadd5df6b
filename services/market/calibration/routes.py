from __future__ import annotations

from fastapi import APIRouter, Request

from services.market.calibration import service
from services.market.calibration.schemas import CalibrationRead
from services.market.deps import Runner
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(tags=["calibration"])


@router.get("/calibration", response_model=CalibrationRead,
            responses=problem_responses(401, 403))
async def read_calibration(request: Request, session: SessionDep,
                           principal: Runner) -> CalibrationRead:
    """The historical targets (with sources) and the current error score of the historical
    scenario, with today's calibration inputs applied (NHS CB and DoH). The score is
    computed off the event loop on first request and cached."""
    cache: service.ScoreCache = request.app.state.calibration_scores
    return CalibrationRead.model_validate(await service.current(session, cache))
