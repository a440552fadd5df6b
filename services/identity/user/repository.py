from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.organisation.models import Organisation
from services.identity.user.models import User


def filtered(*, organisation_id: str | None = None, kind: str | None = None,
             active: bool | None = None) -> Select[Any]:
    query = select(User)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    if kind is not None:
        query = query.where(User.kind == kind)
    if active is not None:
        query = query.where(User.disabled_at.is_(None) if active else
                            User.disabled_at.is_not(None))
    return query


async def page(session: AsyncSession, query: Select[Any], *, limit: int,
               offset: int) -> tuple[Sequence[User], int]:
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    items = (await session.scalars(
        query.order_by(User.username).limit(limit).offset(offset))).all()
    return items, int(total or 0)


async def by_username(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(select(User).where(User.username == username))


async def with_organisation(session: AsyncSession, *, user_id: str | None = None,
                            username: str | None = None, client_id: str | None = None,
                            ) -> tuple[User, Organisation] | None:
    """The user found by exactly one of id, username or client id, with its organisation."""
    query = select(User, Organisation).join(Organisation,
                                            Organisation.id == User.organisation_id)
    if user_id is not None:
        query = query.where(User.id == user_id)
    elif username is not None:
        query = query.where(User.username == username, User.kind == "person")
    else:
        query = query.where(User.client_id == client_id, User.kind == "service")
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None
