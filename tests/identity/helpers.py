"""Factory functions for identity tests: organisations, users and the tokens they hold."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit.models import AuditEvent
from services.identity.database import outbox
from services.identity.organisation.models import Organisation
from services.identity.user.models import User
from shared.testing.tokens import TokenFactory

PASSWORD = "correct horse battery staple"
# Cheap Argon2id for speed in tests; the production parameters have their own test.
FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1, "argon2_parallelism": 1}


@cache
def fast_hash(password: str = PASSWORD) -> str:
    return PasswordHasher(memory_cost=1024, time_cost=1, parallelism=1).hash(password)


async def add_org(session: AsyncSession, code: str, type_: str,
                  parent: Organisation | None = None) -> Organisation:
    now = datetime.now(UTC)
    organisation = Organisation(
        id=str(uuid.uuid4()), code=code, name=f"{code} (test)", type=type_,
        parent_id=parent.id if parent else None, parent_code=parent.code if parent else None,
        valid_from=date(2006, 7, 1), valid_to=None, version=1, created_at=now, updated_at=now)
    session.add(organisation)
    await session.flush()
    return organisation


async def add_user(session: AsyncSession, organisation: Organisation, *roles: str,
                   username: str | None = None, password: str = PASSWORD,
                   kind: str = "person", client_id: str | None = None) -> User:
    now = datetime.now(UTC)
    user = User(
        id=str(uuid.uuid4()), organisation_id=organisation.id, kind=kind,
        username=username or f"u{uuid.uuid4().hex[:10]}", display_name="Test User",
        client_id=client_id, secret_hash=fast_hash(password), roles=sorted(roles),
        failed_logins=0, version=1, created_by="test", created_at=now, updated_at=now)
    session.add(user)
    await session.flush()
    return user


def bearer(tokens: TokenFactory, organisation: Organisation, *roles: str,
           subject: str | None = None, audience: str = "identity") -> dict[str, str]:
    return tokens.headers(org_id=organisation.id, org_type=organisation.type, roles=roles,
                          audience=audience, subject=subject)


def as_user(tokens: TokenFactory, user: User, organisation: Organisation) -> dict[str, str]:
    return bearer(tokens, organisation, *user.roles, subject=user.id)


async def outbox_types(session: AsyncSession) -> list[str]:
    return list((await session.scalars(
        select(outbox.table.c.type).order_by(outbox.table.c.id))).all())


async def outbox_payloads(session: AsyncSession) -> list[dict[str, Any]]:
    rows = (await session.scalars(select(outbox.table.c.payload))).all()
    return [json.loads(row) for row in rows]


async def audit_kinds(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id))).all())


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def password_login(username: str, password: str = PASSWORD,
                   audience: str = "identity") -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password,
            "audience": audience}


def claims_of(app: Any, token: str) -> dict[str, Any]:
    """The verified claims of a token identity issued (signature checked with its keys)."""
    from joserfc import jwt

    return dict(jwt.decode(token, app.state.keys.public_key_set()).claims)


def is_problem(response: Any, status: int) -> bool:
    return bool(response.status_code == status and
                response.headers["content-type"] == "application/problem+json")
