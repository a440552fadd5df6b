from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.procurement.deps import FrameworkDep, NowDep
from services.procurement.ocds import service
from shared.auth import PUBLIC
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/ocds", tags=["open data"], dependencies=[PUBLIC])
ERRORS = problem_responses(404, 422)
PACKAGE = {"description": "an OCDS 1.1 release package (JSON numbers for amounts, in GBP)"}


@router.get("/framework", responses={**ERRORS, 200: PACKAGE})
async def framework_release(request: Request, session: SessionDep, framework: FrameworkDep,
                            now: NowDep) -> dict[str, Any]:
    """The FESC framework as open data (public): its tender and the admission of each
    approved supplier as it stands today (a suspended or removed supplier's admission is
    cancelled). Extensions: techniques, riskAllocation."""
    return await service.framework_package(session, framework=framework,
                                           settings=request.app.state.settings, now=now)


@router.get("/call-offs/{call_off_id}", responses={**ERRORS, 200: PACKAGE})
async def call_off_release(call_off_id: str, request: Request, session: SessionDep,
                           framework: FrameworkDep, now: NowDep) -> dict[str, Any]:
    """A call-off as open data (public), linked to the framework's process; bidders are named
    only once bidding closed; the contract's risks in riskAllocation form."""
    return await service.call_off_package(session, call_off_id, framework=framework,
                                          settings=request.app.state.settings, now=now)


@router.get("/changes", responses=ERRORS)
async def changes(
    request: Request, session: SessionDep, framework: FrameworkDep,
    cursor: Annotated[str | None, Query(max_length=64, description="next_cursor of the "
                                        "previous page; empty for the beginning")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """The change feed for integrators (public): every published step of every call-off,
    oldest first, newest last, as `package` (an OCDS release package). Keep `next_cursor` and
    ask again for what happened since; `has_more` says whether to ask straight away."""
    return await service.changes(session, cursor=cursor, limit=limit, framework=framework,
                                 settings=request.app.state.settings)
