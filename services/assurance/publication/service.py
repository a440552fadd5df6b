"""Publishing assessments: the result is frozen and its consequences follow in one transaction.

For each assessment: final levels and governance are frozen; assurance.assessment.rated is
announced; the cycle's autonomy rules decide the PCT's tier (assurance.autonomy.granted) with
dates from the cycle (this one's publication, the next one's if it is open), never the clock;
competencies below target become support needs (assurance.support_need.identified).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import require_national
from services.assurance.assessment import repository, scores, workflow
from services.assurance.assessment import service as assessments
from services.assurance.assessment.models import Assessment
from services.assurance.assessment.workflow import Action, Status
from services.assurance.autonomy import service as autonomy
from services.assurance.cycle import repository as cycles
from services.assurance.cycle import service as cycle_service
from services.assurance.cycle.models import Cycle
from services.assurance.cycle.reference import autonomy_rules_of, framework_of
from services.assurance.cycle.schemas import CyclePublication
from services.assurance.events import queue_all
from services.assurance.report.cache import LEAGUES
from services.assurance.rules.autonomy import CycleDates, evaluate
from services.assurance.rules.framework import Framework
from services.assurance.rules.league import as_decimal, league_score
from services.assurance.rules.policy import AutonomyRules
from services.assurance.rules.types import IncompleteResultError
from services.assurance.support import service as support
from shared.auth import Principal
from shared.errors import RuleViolation
from shared.events.contracts.assurance import AssessmentRated
from shared.events.contracts.assurance import Rag as RagCode


@dataclass(frozen=True)
class Publication:
    """What every assessment of one cycle is published with."""

    cycle: Cycle
    framework: Framework
    rules: AutonomyRules
    dates: CycleDates


async def _publication(session: AsyncSession, cycle: Cycle) -> Publication:
    following = await cycles.next_after(session, cycle.year)
    dates = CycleDates(cycle.publication_on,
                       following.publication_on if following is not None else None)
    return Publication(cycle, framework_of(cycle), autonomy_rules_of(cycle), dates)


async def publish_assessment(session: AsyncSession, assessment_id: str,
                             by: Principal) -> Assessment:
    """DoH publishes one nationally calibrated assessment."""
    assessment = await assessments.get(session, assessment_id, by, for_update=True)
    require_national(by, "publish results")
    workflow.target(assessment.status, Action.PUBLISH)
    events = _publish(session, await _publication(session, assessment.cycle), assessment, by)
    await queue_all(session, events)
    LEAGUES.invalidate(assessment.cycle_id)
    return assessment


async def publish_cycle(session: AsyncSession, cycle_id: str,
                        by: Principal) -> CyclePublication:
    """DoH publishes every nationally calibrated assessment of the cycle at once."""
    cycle = await cycle_service.get(session, cycle_id)
    ready = (await session.scalars(
        select(Assessment).where(Assessment.cycle_id == cycle.id,
                                 Assessment.status == Status.NATIONALLY_CALIBRATED.value)
        .options(*repository.full()).with_for_update(of=Assessment))).all()
    publication = await _publication(session, cycle)
    events: list[BaseModel] = []
    for assessment in ready:
        events += _publish(session, publication, assessment, by)
    await session.flush()
    await queue_all(session, events)
    LEAGUES.invalidate(cycle.id)
    left = await cycles.status_counts(session, cycle.id)
    left.pop(Status.PUBLISHED.value, None)
    return CyclePublication(cycle_id=cycle.id, published=len(ready), not_ready=left)


def _publish(session: AsyncSession, publication: Publication, assessment: Assessment,
             by: Principal) -> list[BaseModel]:
    """Freeze the result and decide its consequences; returns the events to queue, in order."""
    framework, cycle = publication.framework, publication.cycle
    standing = scores.standing(framework, assessment, cycle.year)
    result = scores.result(assessment, standing.final_levels, standing.final_governance)
    try:
        score = as_decimal(league_score(framework, result).overall)
        decision = evaluate(publication.rules, framework, result, publication.dates,
                            in_financial_recovery=assessment.in_financial_recovery)
    except IncompleteResultError as exc:
        raise RuleViolation(f"assessment {assessment.id} cannot be published: {exc}") from None
    assessment.final_levels = dict(result.competency_levels)
    assessment.final_governance = {area: rag.value for area, rag in result.governance.items()}
    assessment.published_on = cycle.publication_on
    workflow.move(session, assessment, Action.PUBLISH, by,
                  details={"league_score": str(score), "tier": decision.tier})
    rated = AssessmentRated(
        assessment_id=assessment.id, cycle_id=cycle.id, cycle_year=cycle.year,
        framework_version=framework.version_id, pct_id=assessment.pct_id,
        sha_id=assessment.sha_id, competency_levels=assessment.final_levels,
        governance=cast(dict[str, RagCode], assessment.final_governance), league_score=float(score),
        published_on=cycle.publication_on)
    _row, granted = autonomy.grant(session, decision, assessment_id=assessment.id,
                                   cycle_id=cycle.id)
    needs = support.identify(session, framework, cycle, assessment, standing.self_levels)
    return [rated, granted, *needs]
