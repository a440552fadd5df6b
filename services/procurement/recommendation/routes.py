from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from services.procurement.deps import FrameworkDep, NowDep, PctStaff, Reader
from services.procurement.history.schemas import ChangeRead
from services.procurement.recommendation import service
from services.procurement.recommendation.schemas import (
    DashboardRead,
    RecommendationRead,
    RecommendationRequest,
)
from services.procurement.request import service as requests
from services.procurement.request.schemas import RequestRead
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(tags=["recommendations"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("/pcts/{pct_id}/recommendations", response_model=list[RecommendationRead],
            responses=ERRORS)
async def list_recommendations(
    pct_id: str, session: SessionDep, principal: Reader,
    status: Annotated[Literal["open", "requested"] | None, Query()] = None,
) -> list[RecommendationRead]:
    """External support suggested for the PCT by its assessment: grouping and package type."""
    found = await service.get_all(session, pct_id, by=principal, status=status)
    return [RecommendationRead.model_validate(r) for r in found]


@router.get("/pcts/{pct_id}/dashboard", response_model=DashboardRead, responses=ERRORS)
async def pct_dashboard(pct_id: str, session: SessionDep, principal: Reader,
                        now: NowDep) -> DashboardRead:
    """The PCT's latest assessment rating, its earned-autonomy freedoms in force today and its
    open support recommendations."""
    return DashboardRead.model_validate(
        await service.dashboard(session, pct_id, by=principal, now=now), from_attributes=True)


@router.post("/recommendations/{recommendation_id}/request", response_model=RequestRead,
             status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def request_from_recommendation(recommendation_id: str, data: RecommendationRequest,
                                      session: SessionDep, principal: PctStaff, now: NowDep,
                                      framework: FrameworkDep) -> RequestRead:
    """Turn a recommendation into a request in one call: give the business case and value;
    the package comes from the recommendation (its grouping and package type)."""
    request = await service.to_request(session, recommendation_id, data, by=principal, now=now,
                                       framework=framework)
    return RequestRead.model_validate(await requests.present(session, request))


@router.get("/recommendations/{recommendation_id}/history", response_model=list[ChangeRead],
            responses=ERRORS)
async def recommendation_history(recommendation_id: str, session: SessionDep,
                                 principal: Reader) -> list[ChangeRead]:
    """Every change to the recommendation, oldest first: identified (from assurance), then
    turned into a request (who, when)."""
    changes = await service.history_of(session, recommendation_id, by=principal)
    return [ChangeRead.model_validate(c) for c in changes]
