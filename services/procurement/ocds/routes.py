from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.procurement.deps import FrameworkDep, NowDep
from services.procurement.ocds import service
from services.procurement.ocds.examples import CALL_OFF_PACKAGE, CHANGES, FRAMEWORK_PACKAGE
from shared.auth import PUBLIC
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/ocds", tags=["open data"], dependencies=[PUBLIC])
ERRORS = problem_responses(404, 422)
PACKAGE = "an OCDS 1.1 release package (JSON numbers for amounts, in GBP)"


def _answer(description: str, example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {**ERRORS, 200: {"description": description,
                            "content": {"application/json": {"example": example}}}}


@router.get("/framework", responses=_answer(PACKAGE, FRAMEWORK_PACKAGE))
async def framework_release(request: Request, session: SessionDep, framework: FrameworkDep,
                            now: NowDep) -> dict[str, Any]:
    """The FESC framework as open data (public): its tender and the admission of each
    approved supplier as it stands today (a suspended or removed supplier's admission is
    cancelled). Extensions: techniques, riskAllocation."""
    return await service.framework_package(session, framework=framework,
                                           settings=request.app.state.settings, now=now)


@router.get("/call-offs/{call_off_id}", responses=_answer(PACKAGE, CALL_OFF_PACKAGE))
async def call_off_release(call_off_id: str, request: Request, session: SessionDep,
                           framework: FrameworkDep, now: NowDep) -> dict[str, Any]:
    """A call-off as open data (public), linked to the framework's process; bidders are named
    only once bidding closed; the contract's risks in riskAllocation form."""
    return await service.call_off_package(session, call_off_id, framework=framework,
                                          settings=request.app.state.settings, now=now)


@router.get("/changes", responses=_answer(
    "a page of the change feed: `package` holds its releases", CHANGES))
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
