"""Rules for users and service accounts: who manages whom, which roles fit which organisation."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit import service as audit
from services.identity.database import outbox
from services.identity.organisation.models import Organisation
from services.identity.token import repository as tokens
from services.identity.user import repository
from services.identity.user.models import User
from services.identity.user.passwords import Passwords
from services.identity.user.roles import SERVICE_ROLE, manages, manages_all, ungrantable
from services.identity.user.schemas import Kind, RolesUpdate, ServiceAccountCreate, UserCreate
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.contracts.identity import (
    SessionRevoked,
    UserDisabled,
    UserRegistered,
    UserRolesChanged,
)
from shared.pagination import PageParams


async def get(session: AsyncSession, user_id: str, *, by: Principal) -> User:
    """A user the caller manages, or the caller themselves (404 for anyone else's)."""
    user = await session.get(User, user_id)
    if user is None or not (by.subject == user.id or manages(by, user.organisation_id)):
        raise NotFound(f"user {user_id} does not exist")
    return user


async def get_all(session: AsyncSession, page: PageParams, *, by: Principal,
                  organisation_id: str | None = None, kind: str | None = None,
                  active: bool | None = None) -> tuple[Sequence[User], int]:
    """Users the caller manages: everyone for DoH administrators, else their own organisation."""
    if organisation_id is None and not manages_all(by):
        organisation_id = by.org_id
    if organisation_id is not None and not manages(by, organisation_id):
        raise Forbidden("you may only list the users of your own organisation")
    query = repository.filtered(organisation_id=organisation_id, kind=kind, active=active)
    return await repository.page(session, query, limit=page.limit, offset=page.offset)


async def create(session: AsyncSession, data: UserCreate, *, by: Principal,
                 passwords: Passwords, ip: str | None) -> User:
    """Add a person to an organisation with an initial password. Publishes user.registered."""
    organisation = await _managed_organisation(session, data.organisation_id, by=by)
    roles = _checked_roles(data.roles, organisation, service=False)
    if await repository.by_username(session, data.username) is not None:
        raise Conflict(f"the username {data.username} is taken")
    user = _new_user(organisation, kind="person", username=data.username,
                     display_name=data.display_name, roles=roles, by=by,
                     secret_hash=await passwords.hash(data.password))
    user.email = data.email
    await _register(session, user, by=by, ip=ip, kind="user.created")
    return user


async def create_service_account(session: AsyncSession, data: ServiceAccountCreate, *,
                                 by: Principal, passwords: Passwords,
                                 ip: str | None) -> tuple[User, str]:
    """A machine client with a client id and a secret that is returned only here."""
    organisation = await _managed_organisation(session, data.organisation_id, by=by)
    roles = _checked_roles([SERVICE_ROLE, *data.roles], organisation, service=True)
    client_id = f"svc-{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    user = _new_user(organisation, kind="service", username=client_id,
                     display_name=data.display_name, roles=roles, by=by,
                     secret_hash=await passwords.hash(secret))
    user.client_id = client_id
    await _register(session, user, by=by, ip=ip, kind="service_account.created")
    return user, secret


async def set_roles(session: AsyncSession, user_id: str, data: RolesUpdate, *, by: Principal,
                    ip: str | None) -> User:
    """Replace a user's roles. Publishes user.roles_changed when they differ."""
    user = await _managed_user(session, user_id, by=by)
    organisation = await _organisation(session, user.organisation_id)
    wanted = [SERVICE_ROLE, *data.roles] if user.kind == "service" else data.roles
    roles = _checked_roles(wanted, organisation, service=user.kind == "service")
    added, removed = sorted(set(roles) - set(user.roles)), sorted(set(user.roles) - set(roles))
    if not added and not removed:
        return user
    user.roles = roles
    _touch(user)
    audit.record(session, "user.roles_changed", actor=by.subject, subject=user.id,
                 org_id=user.organisation_id, ip=ip,
                 details={"added": added, "removed": removed, "roles": roles})
    await outbox.add(session, UserRolesChanged(
        user_id=user.id, organisation_id=user.organisation_id, roles=roles, added=added,
        removed=removed, changed_by=by.subject))
    return user


async def disable(session: AsyncSession, user_id: str, *, by: Principal,
                  ip: str | None) -> User:
    """Stop a user obtaining or refreshing tokens and revoke their sessions (idempotent)."""
    user = await _managed_user(session, user_id, by=by)
    if user.disabled_at is not None:
        return user
    now = _touch(user)
    user.disabled_at, user.disabled_by = now, by.subject
    families = await tokens.revoke(session, now, user_id=user.id)
    audit.record(session, "user.disabled", actor=by.subject, subject=user.id,
                 org_id=user.organisation_id, ip=ip, details={"revoked_sessions": len(families)})
    await outbox.add(session, UserDisabled(user_id=user.id, organisation_id=user.organisation_id,
                                           disabled_by=by.subject))
    if families:
        await outbox.add(session, SessionRevoked(
            user_id=user.id, organisation_id=user.organisation_id, family_ids=families,
            reason="user_disabled"))
    return user


async def _managed_organisation(session: AsyncSession, organisation_id: str, *,
                                by: Principal) -> Organisation:
    if not manages(by, organisation_id):
        raise Forbidden("you may only manage the users of your own organisation")
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise RuleViolation("the organisation does not exist", errors=[
            {"loc": ["body", "organisation_id"], "msg": f"{organisation_id} is unknown"}])
    return organisation


async def _managed_user(session: AsyncSession, user_id: str, *, by: Principal) -> User:
    user = await session.get(User, user_id)
    if user is None or not manages(by, user.organisation_id):
        raise NotFound(f"user {user_id} does not exist")
    if user.id == by.subject:
        raise Forbidden("another administrator must change your own account")
    return user


async def _organisation(session: AsyncSession, organisation_id: str) -> Organisation:
    organisation = await session.get(Organisation, organisation_id)
    assert organisation is not None  # a foreign key guarantees it
    return organisation


def _checked_roles(roles: Sequence[str], organisation: Organisation, *,
                   service: bool) -> list[str]:
    errors = ungrantable(roles, organisation.type, service=service)
    if errors:
        raise RuleViolation(f"roles not grantable to a {organisation.type} user", errors=errors)
    return sorted(set(roles))


def _new_user(organisation: Organisation, *, kind: str, username: str, display_name: str,
              roles: list[str], by: Principal, secret_hash: str) -> User:
    now = datetime.now(UTC)
    return User(organisation_id=organisation.id, kind=kind, username=username,
                display_name=display_name, roles=roles, secret_hash=secret_hash,
                failed_logins=0, version=1, created_by=by.subject, created_at=now,
                updated_at=now)


async def _register(session: AsyncSession, user: User, *, by: Principal, ip: str | None,
                    kind: audit.AuditKind) -> None:
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(f"the username {user.username} is taken") from None
    audit.record(session, kind, actor=by.subject, subject=user.id,
                 org_id=user.organisation_id, ip=ip,
                 details={"username": user.username, "kind": user.kind, "roles": user.roles})
    await outbox.add(session, UserRegistered(
        user_id=user.id, organisation_id=user.organisation_id, kind=cast(Kind, user.kind),
        username=user.username, display_name=user.display_name, roles=user.roles,
        registered_by=by.subject))


def _touch(user: User) -> datetime:
    now = datetime.now(UTC)
    user.version += 1
    user.updated_at = now
    return now
