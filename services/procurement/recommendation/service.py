"""Recommendations and ratings from assurance, the PCT dashboard, and one-call requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.access import organisation_directory
from services.procurement.freedom import service as freedoms
from services.procurement.history import service as history
from services.procurement.history.models import Change
from services.procurement.history.service import Actor
from services.procurement.recommendation.models import (
    OPEN,
    REQUESTED,
    PctRating,
    Recommendation,
)
from services.procurement.recommendation.schemas import RecommendationRequest
from services.procurement.request import service as requests
from services.procurement.request.models import ProcurementRequest
from services.procurement.request.schemas import RequestCreate
from services.procurement.rules.framework import Framework
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.contracts.assurance import AssessmentRated, SupportNeedIdentified
from shared.scope import can_see

DEFAULTS = Path(__file__).resolve().parent.parent / "reference" / "recommendation-services-v1.yaml"
AGGREGATE = "recommendation"
IDENTIFIED_BY = Actor("system:assurance.support_need.identified.v1")


async def apply_support_need(session: AsyncSession, event: SupportNeedIdentified, *,
                             at: datetime) -> None:
    """A support need becomes an open recommendation (once per support need)."""
    if await session.scalar(select(Recommendation.id).where(
            Recommendation.support_need_id == event.support_need_id)):
        return
    recommendation = Recommendation(
        support_need_id=event.support_need_id, assessment_id=event.assessment_id,
        pct_id=event.pct_id, sha_id=event.sha_id, competency=event.competency,
        competency_name=event.competency_name, level=event.level,
        target_level=event.target_level, support_form=event.support_form,
        grouping=event.grouping, package_type=event.package_type, status=OPEN,
        identified_at=at)
    session.add(recommendation)
    await session.flush()
    await _record(session, recommendation, "identified", {}, by=IDENTIFIED_BY, at=at)


async def apply_rating(session: AsyncSession, event: AssessmentRated, *, at: datetime) -> None:
    """Keep the PCT's latest rating (a later publication replaces an earlier one)."""
    row = await session.get(PctRating, event.pct_id)
    if row is not None and row.published_on > event.published_on:
        return
    if row is None:
        row = PctRating(pct_id=event.pct_id)
        session.add(row)
    row.sha_id, row.assessment_id, row.cycle_id = event.sha_id, event.assessment_id, event.cycle_id
    row.cycle_year, row.framework_version = event.cycle_year, event.framework_version
    row.competency_levels, row.governance = dict(event.competency_levels), dict(event.governance)
    row.league_score, row.published_on, row.received_at = (
        event.league_score, event.published_on, at)


async def get_all(session: AsyncSession, pct_id: str, *, by: Principal,
                  status: str | None = None) -> Sequence[Recommendation]:
    await _require_visible(session, pct_id, by)
    query = select(Recommendation).where(Recommendation.pct_id == pct_id)
    if status is not None:
        query = query.where(Recommendation.status == status)
    return (await session.scalars(query.order_by(Recommendation.identified_at,
                                                 Recommendation.id))).all()


async def dashboard(session: AsyncSession, pct_id: str, *, by: Principal,
                    now: datetime) -> dict[str, Any]:
    """The PCT's latest rating, the freedoms in force today and its open recommendations."""
    return {"pct_id": pct_id, "rating": await session.get(PctRating, pct_id),
            "freedoms": await freedoms.current_row(session, pct_id, now.date()),
            "recommendations": await get_all(session, pct_id, by=by, status=OPEN)}


async def to_request(session: AsyncSession, recommendation_id: str,
                     data: RecommendationRequest, *, by: Principal, now: datetime,
                     framework: Framework) -> ProcurementRequest:
    """Raise the request a recommendation suggests, in one call (the PCT's own staff)."""
    recommendation = await session.get(Recommendation, recommendation_id)
    if recommendation is None or not await can_see(by, recommendation.pct_id,
                                                   organisation_directory(session)):
        raise NotFound(f"recommendation {recommendation_id} does not exist or is not yours")
    if recommendation.status != OPEN:
        raise Conflict(f"the recommendation was turned into request "
                       f"{recommendation.request_id} already")
    macro = recommendation.package_type == "macro"
    request = await requests.raise_request(session, RequestCreate(
        title=data.title or f"{recommendation.competency_name}: external support",
        package_type="macro" if macro else "micro", macro_kind="function" if macro else None,
        services=data.services or default_services(framework, recommendation),
        business_case=data.business_case, estimated_value_pence=data.estimated_value_pence,
        joint_venture=data.joint_venture), by=by, now=now, framework=framework,
        recommendation_id=recommendation.id)
    before = snapshot(recommendation)
    recommendation.status, recommendation.request_id = REQUESTED, request.id
    await _record(session, recommendation, "requested", before, by=Actor.of(by), at=now)
    return request


async def history_of(session: AsyncSession, recommendation_id: str, *,
                     by: Principal) -> Sequence[Change]:
    """A recommendation's history (identified, turned into a request), for its PCT's viewers."""
    recommendation = await session.get(Recommendation, recommendation_id)
    if recommendation is None or not await can_see(by, recommendation.pct_id,
                                                   organisation_directory(session)):
        raise NotFound(f"recommendation {recommendation_id} does not exist or is not yours")
    return await history.changes(session, AGGREGATE, recommendation.id)


def snapshot(recommendation: Recommendation) -> dict[str, Any]:
    return {"pct_id": recommendation.pct_id, "competency": recommendation.competency,
            "level": recommendation.level, "target_level": recommendation.target_level,
            "support_form": recommendation.support_form, "grouping": recommendation.grouping,
            "package_type": recommendation.package_type, "status": recommendation.status,
            "request_id": recommendation.request_id}


async def _record(session: AsyncSession, recommendation: Recommendation, action: str,
                  before: dict[str, Any], *, by: Actor, at: datetime) -> None:
    history.record(session, aggregate=AGGREGATE, aggregate_id=recommendation.id,
                   version=await history.next_version(session, AGGREGATE, recommendation.id),
                   action=action, actor=by, at=at, before=before, after=snapshot(recommendation))


def default_services(framework: Framework, recommendation: Recommendation) -> list[str]:
    """Micro: the support form's first preferred service in the grouping; macro: all of it."""
    in_grouping = framework.service_codes(recommendation.grouping)
    if recommendation.package_type == "macro":
        return list(in_grouping)
    preferred = _preferred()[recommendation.support_form]
    return [next((code for code in preferred if code in in_grouping), in_grouping[0])]


@cache
def _preferred() -> dict[str, list[str]]:
    data = yaml.safe_load(DEFAULTS.read_text(encoding="utf-8"))
    return {form: list(codes) for form, codes in data["preferred_services"].items()}


async def _require_visible(session: AsyncSession, pct_id: str, by: Principal) -> None:
    if not await can_see(by, pct_id, organisation_directory(session)):
        raise NotFound(f"PCT {pct_id} is not one whose data you may see")
