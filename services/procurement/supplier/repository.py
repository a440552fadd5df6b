from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.database import directory
from services.procurement.supplier.models import ACTIVE, Supplier


def status_on(day: date) -> ColumnElement[str]:
    """The supplier's status in force on `day`: a scheduled change counts from its date."""
    return case((and_(Supplier.scheduled_on.is_not(None), Supplier.scheduled_on <= day),
                 Supplier.scheduled_status), else_=Supplier.status)


async def get_all(session: AsyncSession, *, on: date,
                  status: str | None = None) -> Sequence[Supplier]:
    query = select(Supplier).order_by(Supplier.code)
    if status is not None:
        query = query.where(status_on(on) == status)
    return (await session.scalars(query)).all()


async def active(session: AsyncSession, *, on: date) -> Sequence[Supplier]:
    return await get_all(session, on=on, status=ACTIVE)


async def for_organisation(session: AsyncSession, organisation_id: str) -> Supplier | None:
    """The supplier an organisation is: linked by id, or by its directory code."""
    code = select(directory.c.code).where(
        directory.c.organisation_id == organisation_id).scalar_subquery()
    return await session.scalar(select(Supplier).where(
        or_(Supplier.organisation_id == organisation_id, Supplier.code == code)))


async def directory_ids(session: AsyncSession) -> dict[str, str]:
    """Supplier organisations in the directory: code -> organisation id."""
    rows = await session.execute(select(directory.c.code, directory.c.organisation_id).where(
        directory.c.type == "SUPPLIER"))
    return {code: org_id for code, org_id in rows.all()}
