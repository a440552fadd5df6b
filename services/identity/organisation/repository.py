from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.organisation.models import Organisation, OrganisationChange


def filtered(*, type_: str | None = None, parent_code: str | None = None,
             active_on: date | None = None) -> Select[Organisation]:
    query = select(Organisation)
    if type_ is not None:
        query = query.where(Organisation.type == type_)
    if parent_code is not None:
        query = query.where(Organisation.parent_code == parent_code)
    if active_on is not None:
        query = query.where(Organisation.valid_from <= active_on).where(
            or_(Organisation.valid_to.is_(None), Organisation.valid_to >= active_on))
    return query


async def page(session: AsyncSession, query: Select[Organisation], *, limit: int,
               offset: int) -> tuple[Sequence[Organisation], int]:
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    items = (await session.scalars(
        query.order_by(Organisation.code).limit(limit).offset(offset))).all()
    return items, int(total or 0)


async def by_code(session: AsyncSession, code: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.code == code))


async def history(session: AsyncSession, organisation_id: str) -> Sequence[OrganisationChange]:
    return (await session.scalars(
        select(OrganisationChange).where(OrganisationChange.organisation_id == organisation_id)
        .order_by(OrganisationChange.version))).all()
