"""Queries for assessments and their children (statements only; no rules)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from services.assurance.assessment.models import Assessment, AssessmentChange
from services.assurance.cycle.models import Cycle
from services.assurance.support.models import ExternalSupport


def full() -> list[LoaderOption]:
    """Eager loads for everything the read model and the rules need."""
    return [selectinload(Assessment.cycle), selectinload(Assessment.sub_competencies),
            selectinload(Assessment.governance), selectinload(Assessment.outcomes),
            selectinload(Assessment.panel), selectinload(Assessment.adjustments)]


async def get(session: AsyncSession, assessment_id: str, scope: ColumnElement[bool], *,
              for_update: bool = False) -> Assessment | None:
    query = select(Assessment).where(Assessment.id == assessment_id, scope).options(*full())
    if for_update:
        query = query.with_for_update(of=Assessment)
    return await session.scalar(query.execution_options(populate_existing=True))


def filtered(scope: ColumnElement[bool], **filters: Any) -> Select[Any]:
    query = select(Assessment).where(scope)
    for column, value in filters.items():
        if value is not None:
            query = query.where(getattr(Assessment, column) == value)
    return query


async def history(session: AsyncSession, assessment_id: str) -> Sequence[AssessmentChange]:
    return (await session.scalars(
        select(AssessmentChange).where(AssessmentChange.assessment_id == assessment_id)
        .order_by(AssessmentChange.id))).all()


async def external_support(session: AsyncSession,
                           assessment_id: str) -> Sequence[ExternalSupport]:
    return (await session.scalars(
        select(ExternalSupport).where(ExternalSupport.assessment_id == assessment_id)
        .order_by(ExternalSupport.start_date, ExternalSupport.contract_id))).all()


async def in_cycle_year(session: AsyncSession, pct_id: str, year: str) -> Assessment | None:
    """The PCT's assessment in the cycle of `year` ("2008/09"), locked, fully loaded."""
    query = (select(Assessment).join(Cycle, Cycle.id == Assessment.cycle_id)
             .where(Assessment.pct_id == pct_id, Cycle.year == year).options(*full())
             .with_for_update(of=Assessment))
    return await session.scalar(query.execution_options(populate_existing=True))


async def current_for(session: AsyncSession, pct_id: str) -> Assessment | None:
    """The PCT's assessment in its latest cycle, unless that one is already published."""
    latest = await session.scalar(
        select(Assessment).join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.pct_id == pct_id).order_by(Cycle.year.desc()).limit(1))
    return latest if latest is not None and latest.status != "published" else None


async def previous_for(session: AsyncSession, pct_ids: Sequence[str],
                       before_year: str) -> dict[str, Assessment]:
    """Each PCT's assessment in the latest cycle before `before_year`, with its scores."""
    cycle_id = await session.scalar(
        select(Cycle.id).where(Cycle.year < before_year).order_by(Cycle.year.desc()).limit(1))
    if cycle_id is None:
        return {}
    found = await session.scalars(
        select(Assessment).where(Assessment.cycle_id == cycle_id,
                                 Assessment.pct_id.in_(pct_ids)).options(*full()))
    return {assessment.pct_id: assessment for assessment in found}
