from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.identity.audit.service import ClientIp
from services.identity.user import service
from services.identity.user.passwords import Passwords
from services.identity.user.roles import admin_roles
from services.identity.user.schemas import (
    Kind,
    RolesUpdate,
    ServiceAccountCreate,
    ServiceAccountCreated,
    UserCreate,
    UserRead,
)
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(tags=["users"])
Administrator = Annotated[Principal, Depends(require(*admin_roles()))]
Caller = Annotated[Principal, Depends(require())]
ERRORS = problem_responses(401, 403, 404, 409, 422)


def _passwords(request: Request) -> Passwords:
    passwords: Passwords = request.app.state.passwords
    return passwords


PasswordsDep = Annotated[Passwords, Depends(_passwords)]


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def create_user(data: UserCreate, session: SessionDep, principal: Administrator,
                      passwords: PasswordsDep, ip: ClientIp) -> UserRead:
    """Add a person to an organisation you administer. Publishes identity.user.registered."""
    user = await service.create(session, data, by=principal, passwords=passwords, ip=ip)
    return UserRead.model_validate(user)


@router.get("/users", response_model=Page[UserRead], responses=ERRORS)
async def list_users(
    session: SessionDep, page: PageDep, principal: Administrator,
    organisation_id: Annotated[str | None, Query(max_length=36)] = None,
    kind: Annotated[Kind | None, Query(description="person or service")] = None,
    active: Annotated[bool | None, Query(description="false: only disabled users")] = None,
) -> Page[UserRead]:
    """Users by username: all of them for DoH administrators, else your organisation's."""
    items, total = await service.get_all(session, page, by=principal,
                                         organisation_id=organisation_id, kind=kind,
                                         active=active)
    return Page[UserRead](items=[UserRead.model_validate(i) for i in items], total=total,
                          limit=page.limit, offset=page.offset)


@router.get("/users/{user_id}", response_model=UserRead, responses=ERRORS)
async def read_user(user_id: str, session: SessionDep, principal: Caller) -> UserRead:
    """One user: yourself, or a user of an organisation you administer."""
    return UserRead.model_validate(await service.get(session, user_id, by=principal))


@router.put("/users/{user_id}/roles", response_model=UserRead, responses=ERRORS)
async def change_roles(user_id: str, data: RolesUpdate, session: SessionDep,
                       principal: Administrator, ip: ClientIp) -> UserRead:
    """Replace a user's roles (effective at their next token). Publishes roles_changed."""
    user = await service.set_roles(session, user_id, data, by=principal, ip=ip)
    return UserRead.model_validate(user)


@router.post("/users/{user_id}/disable", response_model=UserRead, responses=ERRORS)
async def disable_user(user_id: str, session: SessionDep, principal: Administrator,
                       ip: ClientIp) -> UserRead:
    """Disable a user: no new tokens, sessions revoked. Publishes identity.user.disabled."""
    return UserRead.model_validate(await service.disable(session, user_id, by=principal, ip=ip))


@router.post("/service-accounts", response_model=ServiceAccountCreated,
             status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def create_service_account(data: ServiceAccountCreate, session: SessionDep,
                                 principal: Administrator, passwords: PasswordsDep,
                                 ip: ClientIp) -> ServiceAccountCreated:
    """Create a machine client. The `client_secret` is shown in this response only."""
    user, secret = await service.create_service_account(session, data, by=principal,
                                                        passwords=passwords, ip=ip)
    read = UserRead.model_validate(user)
    return ServiceAccountCreated(**read.model_dump(), client_secret=secret)
