"""Queries for cycles and the directory rows a cycle needs (statements only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment.models import Assessment
from services.assurance.cycle.models import Cycle
from services.assurance.database import directory
from services.assurance.support.models import ExternalSupport


async def by_year(session: AsyncSession, year: str) -> Cycle | None:
    return await session.scalar(select(Cycle).where(Cycle.year == year))


async def page(session: AsyncSession, *, limit: int,
               offset: int) -> tuple[Sequence[Cycle], int]:
    total = await session.scalar(select(func.count()).select_from(Cycle))
    items = (await session.scalars(
        select(Cycle).order_by(Cycle.year.desc()).limit(limit).offset(offset))).all()
    return items, int(total or 0)


async def status_counts(session: AsyncSession, cycle_id: str) -> dict[str, int]:
    rows = await session.execute(
        select(Assessment.status, func.count()).where(Assessment.cycle_id == cycle_id)
        .group_by(Assessment.status))
    return {status: int(n) for status, n in rows.all()}


async def next_after(session: AsyncSession, year: str) -> Cycle | None:
    return await session.scalar(
        select(Cycle).where(Cycle.year > year).order_by(Cycle.year).limit(1))


async def previous_before(session: AsyncSession, year: str) -> Cycle | None:
    return await session.scalar(
        select(Cycle).where(Cycle.year < year).order_by(Cycle.year.desc()).limit(1))


async def active_pcts(session: AsyncSession, on: date) -> list[dict[str, Any]]:
    """PCTs in the organisation directory that existed on `on`, by SHA then code."""
    columns = directory.c
    query = (select(columns.organisation_id, columns.code, columns.parent_id)
             .where(columns.type == "PCT", columns.parent_id.is_not(None),
                    columns.valid_from <= on)
             .where(columns.valid_to.is_(None) | (columns.valid_to >= on))
             .order_by(columns.parent_id, columns.code))
    return [dict(row) for row in (await session.execute(query)).mappings().all()]


async def lock_pcts(session: AsyncSession, pct_ids: Sequence[str]) -> None:
    """Row-lock the PCTs' directory entries (PostgreSQL; SQLite serialises writers anyway).

    Cycle opening and a contract arriving from procurement both take this lock before they
    look for the other's rows, so one of them always sees what the other committed: a contract
    recorded while a cycle opens is never left without the new assessment."""
    if pct_ids:
        await session.execute(
            select(directory.c.organisation_id)
            .where(directory.c.organisation_id.in_(sorted(pct_ids))).with_for_update())


async def attach_pending_support(session: AsyncSession, assessments: dict[str, str]) -> None:
    """Give contracts awarded before this cycle opened to each PCT's new assessment."""
    await lock_pcts(session, list(assessments))
    pending = await session.scalars(
        select(ExternalSupport).where(ExternalSupport.assessment_id.is_(None),
                                      ExternalSupport.pct_id.in_(list(assessments))))
    for support in pending:
        support.assessment_id = assessments[support.pct_id]
