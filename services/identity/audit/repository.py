from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit.models import AuditEvent


def filtered(*, kind: str | None = None, subject: str | None = None,
             org_id: str | None = None) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if kind is not None:
        query = query.where(AuditEvent.kind == kind)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if org_id is not None:
        query = query.where(AuditEvent.org_id == org_id)
    return query


async def page(session: AsyncSession, query: Select[AuditEvent], *, limit: int,
               offset: int) -> tuple[Sequence[AuditEvent], int]:
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    items = (await session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(limit).offset(offset))).all()
    return items, int(total or 0)
