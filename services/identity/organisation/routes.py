from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from services.identity.organisation import service
from services.identity.organisation.schemas import (
    OrganisationChangeRead,
    OrganisationCreate,
    OrganisationRead,
    OrganisationUpdate,
    OrgType,
)
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/organisations", tags=["organisations"])
Reader = Annotated[Principal, Depends(require())]
Administrator = Annotated[Principal, Depends(require("doh_admin"))]
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("", response_model=Page[OrganisationRead], responses=ERRORS)
async def list_organisations(
    session: SessionDep, page: PageDep, _: Reader,
    type: Annotated[OrgType | None, Query(description="organisation type")] = None,
    parent: Annotated[str | None, Query(description="parent's code", max_length=10)] = None,
    active_on: Annotated[date | None, Query(description="only those active on this date")] = None,
) -> Page[OrganisationRead]:
    """List organisations by code, filtered by type, parent and the date they were active."""
    items, total = await service.get_all(session, page, type_=type, parent_code=parent,
                                         active_on=active_on)
    return Page[OrganisationRead](items=[OrganisationRead.model_validate(i) for i in items],
                                  total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def register_organisation(data: OrganisationCreate, session: SessionDep,
                                principal: Administrator) -> OrganisationRead:
    """Register an organisation (DoH administrators). Publishes identity.organisation.registered."""
    organisation = await service.register(session, data, actor=principal.subject)
    return OrganisationRead.model_validate(organisation)


@router.get("/{organisation_id}", response_model=OrganisationRead, responses=ERRORS)
async def read_organisation(organisation_id: str, session: SessionDep,
                            _: Reader) -> OrganisationRead:
    """One organisation."""
    return OrganisationRead.model_validate(await service.get(session, organisation_id))


@router.patch("/{organisation_id}", response_model=OrganisationRead, responses=ERRORS)
async def update_organisation(organisation_id: str, data: OrganisationUpdate,
                              session: SessionDep, principal: Administrator) -> OrganisationRead:
    """Change an organisation (DoH administrators). Publishes identity.organisation.updated."""
    organisation = await service.update(session, organisation_id, data, actor=principal.subject)
    return OrganisationRead.model_validate(organisation)


@router.get("/{organisation_id}/history", response_model=list[OrganisationChangeRead],
            responses=ERRORS)
async def organisation_history(organisation_id: str, session: SessionDep,
                               _: Reader) -> list[OrganisationChangeRead]:
    """Every change to the organisation, oldest first: who, when, each field's old and new value."""
    changes = await service.history(session, organisation_id)
    return [OrganisationChangeRead.model_validate(c) for c in changes]
