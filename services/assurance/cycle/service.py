"""Opening a cycle: an assessment in draft for every PCT, last year's self-assessment carried."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment import repository as assessments
from services.assurance.assessment.codes import scored_sub_competencies
from services.assurance.assessment.models import (
    Assessment,
    AssessmentChange,
    OutcomeValue,
    SubCompetencyScore,
)
from services.assurance.assessment.workflow import Status
from services.assurance.cycle import repository
from services.assurance.cycle.models import Cycle, new_id
from services.assurance.cycle.reference import digests
from services.assurance.cycle.schemas import CycleCreate
from services.assurance.rules.framework import Framework, framework_for_cycle, load_framework
from services.assurance.rules.loading import ReferenceDataError
from services.assurance.rules.policy import (
    AutonomyRules,
    autonomy_rules_for_cycle,
    load_autonomy_rules,
)
from shared.auth import Principal
from shared.errors import Conflict, NotFound, RuleViolation
from shared.pagination import PageParams


async def get(session: AsyncSession, cycle_id: str) -> Cycle:
    cycle = await session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist")
    return cycle


async def get_all(session: AsyncSession, page: PageParams) -> tuple[Sequence[Cycle], int]:
    return await repository.page(session, limit=page.limit, offset=page.offset)


async def status_counts(session: AsyncSession, cycle_id: str) -> dict[str, int]:
    return await repository.status_counts(session, cycle_id)


def reference(data: CycleCreate) -> tuple[Framework, AutonomyRules]:
    """The framework and autonomy rules the cycle will use; 422 if missing or mismatched."""
    code = data.year.replace("/", "-")
    try:
        framework = (load_framework(data.framework_version) if data.framework_version
                     else framework_for_cycle(code))
        rules = (load_autonomy_rules(data.autonomy_rules_version)
                 if data.autonomy_rules_version else autonomy_rules_for_cycle(code))
    except ReferenceDataError as exc:
        raise RuleViolation(f"no reference data for {data.year}: {'; '.join(exc.problems)}",
                            errors=[{"loc": ["body"], "msg": p} for p in exc.problems]) from None
    if rules.framework_version != framework.version_id:
        raise RuleViolation(f"{rules.version_id} applies to {rules.framework_version}, "
                            f"not {framework.version_id}")
    return framework, rules


async def open_cycle(session: AsyncSession, data: CycleCreate, by: Principal) -> Cycle:
    """DoH opens a cycle: one draft assessment per PCT active on `opens_on`. The cycle keeps
    the SHA-256 of its framework and autonomy-rules files, and is frozen against them."""
    if await repository.by_year(session, data.year) is not None:
        raise Conflict(f"the {data.year} cycle is already open")
    framework, rules = reference(data)
    framework_digest, rules_digest = digests(framework, rules)
    pcts = await repository.active_pcts(session, data.opens_on)
    if not pcts:
        raise RuleViolation(f"the organisation directory holds no PCT active on "
                            f"{data.opens_on.isoformat()}; has the worker applied identity's "
                            "organisation events?")
    cycle = Cycle(id=new_id(), year=data.year, code=data.year.replace("/", "-"),
                  framework_version=framework.version_id, autonomy_rules_version=rules.version_id,
                  framework_sha256=framework_digest, autonomy_rules_sha256=rules_digest,
                  opens_on=data.opens_on, self_assessment_due=data.self_assessment_due,
                  panel_from=data.panel_from, panel_to=data.panel_to,
                  publication_on=data.publication_on,
                  support_target_level=data.support_target_level, created_by=by.subject,
                  created_at=datetime.now(UTC))
    session.add(cycle)
    await session.flush()
    await _create_assessments(session, cycle, framework, pcts, by.subject)
    return cycle


async def _create_assessments(session: AsyncSession, cycle: Cycle, framework: Framework,
                              pcts: list[dict[str, Any]], actor: str) -> None:
    previous = await assessments.previous_for(
        session, [pct["organisation_id"] for pct in pcts], cycle.year)
    now = datetime.now(UTC)
    created: dict[str, str] = {}
    for pct in pcts:
        last = previous.get(pct["organisation_id"])
        assessment = Assessment(
            id=new_id(), cycle_id=cycle.id, pct_id=pct["organisation_id"],
            sha_id=pct["parent_id"], framework_version=framework.version_id,
            status=Status.DRAFT.value, previous_assessment_id=last.id if last else None,
            in_financial_recovery=False, created_at=now, updated_at=now)
        assessment.sub_competencies = _carried_scores(framework, last)
        assessment.outcomes = _carried_outcomes(framework, last)
        session.add(assessment)
        session.add(AssessmentChange(
            assessment_id=assessment.id, action="open", from_status=None,
            to_status=Status.DRAFT.value, actor=actor, actor_organisation=None, at=now,
            reason=f"{cycle.year} cycle opened", details={
                "carried_forward_from": last.id if last else None}))
        created[assessment.pct_id] = assessment.id
    await session.flush()
    await repository.attach_pending_support(session, created)


def _carried_scores(framework: Framework, last: Assessment | None) -> list[SubCompetencyScore]:
    """Last year's self levels as this year's draft; panel levels are never carried."""
    before = {row.code: row.self_level for row in last.sub_competencies} if last else {}
    return [SubCompetencyScore(code=code, position=position, self_level=before.get(code))
            for position, code in enumerate(scored_sub_competencies(framework))]


def _carried_outcomes(framework: Framework, last: Assessment | None) -> list[OutcomeValue]:
    """Last year's trajectories (five-year aspirations) without last year's actuals."""
    known = {metric.code for metric in framework.outcomes.metrics}
    rows = last.outcomes if last else []
    return [OutcomeValue(metric=row.metric, baseline_year=row.baseline_year,
                         baseline=row.baseline, targets=list(row.targets), actual=None)
            for row in rows if row.metric in known]
