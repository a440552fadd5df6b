from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.database import directory
from services.procurement.supplier.models import ACTIVE, Supplier


async def get_all(session: AsyncSession, *, status: str | None = None) -> Sequence[Supplier]:
    query = select(Supplier).order_by(Supplier.code)
    if status is not None:
        query = query.where(Supplier.status == status)
    return (await session.scalars(query)).all()


async def active(session: AsyncSession) -> Sequence[Supplier]:
    return await get_all(session, status=ACTIVE)


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
