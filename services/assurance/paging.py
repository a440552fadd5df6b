"""One page of any select, with the count of every match."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.pagination import PageParams


async def paged(session: AsyncSession, query: Select[Any], order: Sequence[Any],
                page: PageParams) -> tuple[Sequence[Any], int]:
    """The page `page` of `query` in `order`, and how many rows match in all."""
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    items = (await session.scalars(
        query.order_by(*order).limit(page.limit).offset(page.offset))).all()
    return items, int(total or 0)
