from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.procurement.deps import FrameworkDep, NowDep, PctStaff, Reader
from services.procurement.history.schemas import ChangeRead
from services.procurement.request import service
from services.procurement.request.schemas import (
    RequestCreate,
    RequestRead,
    RequestStatus,
    RequestUpdate,
)
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/requests", tags=["requests"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", response_model=RequestRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def raise_request(data: RequestCreate, session: SessionDep, principal: PctStaff,
                        now: NowDep, framework: FrameworkDep) -> RequestRead:
    """Raise a request for your PCT (PCT commissioners and administrators).

    The package is checked against the framework (422 lists every reason). The response lists
    the sign-offs it needs: end-to-end needs the DoH director general and the PCT's SHA; a
    value above the SHA threshold (or the PCT's own autonomy limit) needs the SHA; a joint
    venture needs DoH permission unless the PCT holds that freedom. Publishes
    procurement.request.created and one procurement.signoff.requested per sign-off.
    """
    request = await service.raise_request(session, data, by=principal, now=now,
                                          framework=framework)
    return RequestRead.model_validate(await service.present(session, request))


@router.get("", response_model=Page[RequestRead], responses=ERRORS)
async def list_requests(
    session: SessionDep, page: PageDep, principal: Reader,
    status: Annotated[RequestStatus | None, Query(description="only this status")] = None,
    pct_id: Annotated[str | None, Query(max_length=36, description="only this PCT's")] = None,
) -> Page[RequestRead]:
    """The requests you may see, newest first: your PCT's, your SHA's PCTs', or all (DoH)."""
    items, total = await service.get_all(session, page, by=principal, status=status,
                                         pct_id=pct_id)
    return Page[RequestRead](
        items=[RequestRead.model_validate(await service.present(session, i)) for i in items],
        total=total, limit=page.limit, offset=page.offset)


@router.get("/{request_id}", response_model=RequestRead, responses=ERRORS)
async def read_request(request_id: str, session: SessionDep, principal: Reader) -> RequestRead:
    """One request with each sign-off it needs and where that stands."""
    request = await service.get(session, request_id, by=principal)
    return RequestRead.model_validate(await service.present(session, request))


@router.patch("/{request_id}", response_model=RequestRead, responses=ERRORS)
async def change_request(request_id: str, data: RequestUpdate, session: SessionDep,
                         principal: PctStaff, now: NowDep,
                         framework: FrameworkDep) -> RequestRead:
    """Change your PCT's request before its call-off opens.

    Any change to the content voids the sign-offs given so far: they are requested again
    (and the approvals needed are worked out again). A refused request cannot change (409).
    """
    request = await service.update(session, request_id, data, by=principal, now=now,
                                   framework=framework)
    return RequestRead.model_validate(await service.present(session, request))


@router.get("/{request_id}/history", response_model=list[ChangeRead], responses=ERRORS)
async def request_history(request_id: str, session: SessionDep,
                          principal: Reader) -> list[ChangeRead]:
    """Every change to the request, oldest first: who, when, and a JSON Patch of what changed."""
    changes = await service.history_of(session, request_id, by=principal)
    return [ChangeRead.model_validate(c) for c in changes]
