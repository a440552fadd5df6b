from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def page(session: AsyncSession, query: Select[Any], order: Sequence[Any], *, limit: int,
               offset: int) -> tuple[Sequence[Any], int]:
    """One page of `query` in `order`, and how many rows match in all."""
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = (await session.scalars(query.order_by(*order).limit(limit).offset(offset))).all()
    return items, int(total or 0)
