"""Reading assessments, and the PCT's own changes: self-assessment, outcomes, submission."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import assessment_scope, require_own_pct
from services.assurance.assessment import repository, scores, views, workflow
from services.assurance.assessment.codes import check_sub_competencies, missing
from services.assurance.assessment.models import Assessment, AssessmentChange, OutcomeValue
from services.assurance.assessment.schemas import (
    OutcomeEntry,
    OutcomesUpdate,
    SelfAssessmentUpdate,
)
from services.assurance.assessment.workflow import Action
from services.assurance.cycle.reference import framework_of
from services.assurance.paging import paged
from services.assurance.rules.framework import Framework
from services.assurance.rules.outcomes import Trajectory, choice_problems, trajectory_problems
from shared.auth import Principal
from shared.errors import NotFound, RuleViolation
from shared.pagination import PageParams


async def get(session: AsyncSession, assessment_id: str, by: Principal, *,
              for_update: bool = False) -> Assessment:
    """The assessment with its children; 404 when it does not exist or `by` may not see it."""
    scope = await assessment_scope(session, by)
    assessment = await repository.get(session, assessment_id, scope, for_update=for_update)
    if assessment is None:
        raise NotFound(f"assessment {assessment_id} does not exist or is not visible to you")
    return assessment


async def read(session: AsyncSession, assessment: Assessment) -> views.AssessmentRead:
    """The read model: scores by the rules, calibration, external support on record."""
    framework = framework_of(assessment.cycle)
    year = assessment.cycle.year
    standing = scores.standing(framework, assessment, year)
    external = await repository.external_support(session, assessment.id)
    return views.build(framework, assessment, year, standing, external)


async def get_all(session: AsyncSession, page: PageParams, by: Principal, *,
                  cycle_id: str | None = None, pct_id: str | None = None,
                  sha_id: str | None = None, status: str | None = None,
                  ) -> tuple[Sequence[Assessment], int]:
    query = repository.filtered(await assessment_scope(session, by), cycle_id=cycle_id,
                                pct_id=pct_id, sha_id=sha_id, status=status)
    return await paged(session, query, (Assessment.cycle_id, Assessment.pct_id), page)


async def history(session: AsyncSession, assessment_id: str,
                  by: Principal) -> Sequence[AssessmentChange]:
    await get(session, assessment_id, by)
    return await repository.history(session, assessment_id)


async def editable(session: AsyncSession, assessment_id: str, by: Principal) -> Assessment:
    """The assessment, if `by` is its PCT and the state still allows the PCT to edit it."""
    assessment = await get(session, assessment_id, by, for_update=True)
    require_own_pct(by, assessment)
    workflow.require_status(assessment, "edit_self_assessment", *workflow.EDITABLE)
    return assessment


def void_review(session: AsyncSession, assessment: Assessment, by: Principal | str,
                cause: str) -> None:
    """An edit after the panel scored: clear panel scores and calibration, back to panel."""
    if assessment.status not in workflow.REVIEWED:
        return
    cleared = {row.code: row.panel_level for row in assessment.sub_competencies
               if row.panel_level is not None}
    governance = {row.area: row.rating for row in assessment.governance}
    for row in assessment.sub_competencies:
        row.panel_level, row.panel_scored_by = None, None
    assessment.governance.clear()
    voided = 0
    for adjustment in assessment.adjustments:
        if not adjustment.voided:
            adjustment.voided, voided = True, voided + 1
    workflow.move(session, assessment, Action.VOID_REVIEW, by,
                  reason=f"review voided: {cause} after panel scoring",
                  details={"cleared_panel_levels": cleared, "cleared_governance": governance,
                           "voided_adjustments": voided})


async def update_self_assessment(session: AsyncSession, assessment_id: str,
                                 data: SelfAssessmentUpdate, by: Principal) -> Assessment:
    """Set self-assessed levels (the PCT's own assessment, until it is published)."""
    assessment = await editable(session, assessment_id, by)
    framework = framework_of(assessment.cycle)
    check_sub_competencies(framework, data.sub_competencies, "sub_competencies")
    rows = {row.code: row for row in assessment.sub_competencies}
    changes = {code: [rows[code].self_level, level] for code, level in
               data.sub_competencies.items() if rows[code].self_level != level}
    if not changes:
        return assessment
    for code, (_old, level) in changes.items():
        rows[code].self_level = level
    workflow.record(session, assessment, "edit_self_assessment", by, reason=data.note,
                    details={"self_levels": changes})
    void_review(session, assessment, by, "self-assessment edited")
    return assessment


async def set_outcomes(session: AsyncSession, assessment_id: str, data: OutcomesUpdate,
                       by: Principal) -> Assessment:
    """Replace the PCT's chosen outcomes, trajectories and actuals (checked by the rules)."""
    assessment = await editable(session, assessment_id, by)
    return await replace_outcomes(session, assessment, data.outcomes, by, reason=data.note,
                                  details={"metrics": [entry.metric for entry in data.outcomes]})


async def replace_outcomes(session: AsyncSession, assessment: Assessment,
                           entries: list[OutcomeEntry], by: Principal | str, *,
                           reason: str | None, details: dict[str, Any],
                           cause: str = "outcomes changed") -> Assessment:
    """Make `entries` the assessment's outcomes, checked against its framework.

    The one way outcomes change: the PCT's PUT and an integrator's reported value
    (assurance.outcome.reported.v1) both come here, so the same checks apply, the metric caps
    read the same rows, and an edit after panel scoring voids the review either way.
    """
    framework = framework_of(assessment.cycle)
    _check_outcomes(framework, entries, assessment.cycle.year)
    assessment.outcomes.clear()
    await session.flush()
    assessment.outcomes.extend(OutcomeValue(
        metric=entry.metric, baseline_year=entry.baseline_year, baseline=str(entry.baseline),
        targets=[str(value) for value in entry.targets],
        actual=None if entry.actual is None else str(entry.actual)) for entry in entries)
    workflow.record(session, assessment, "set_outcomes", by, reason=reason, details=details)
    void_review(session, assessment, by, cause)
    return assessment


def _check_outcomes(framework: Framework, entries: list[OutcomeEntry], year: str) -> None:
    errors: list[dict[str, Any]] = [{"loc": ["body", "outcomes"], "msg": problem}
              for problem in choice_problems(framework, [e.metric for e in entries])]
    for index, entry in enumerate(entries):
        path = Trajectory(entry.metric, entry.baseline_year, entry.baseline, tuple(entry.targets))
        problems = trajectory_problems(framework, path)
        if not problems and entry.actual is not None and year not in path.years():
            problems.append(f"the trajectory {path.years()} has no target for {year}")
        errors += [{"loc": ["body", "outcomes", index], "msg": p} for p in problems]
    if errors:
        raise RuleViolation("outcomes do not fit the framework", errors=errors)


async def submit(session: AsyncSession, assessment_id: str, by: Principal,
                 note: str | None) -> Assessment:
    """The PCT submits a complete self-assessment to its SHA."""
    assessment = await get(session, assessment_id, by, for_update=True)
    require_own_pct(by, assessment)
    workflow.target(assessment.status, Action.SUBMIT)
    framework = framework_of(assessment.cycle)
    unrated = missing(framework, {r.code: r.self_level for r in assessment.sub_competencies})
    if unrated:
        raise RuleViolation("every scored sub-competency needs a self-assessed level",
                            errors=[{"loc": ["sub_competencies", code], "msg": "not rated"}
                                    for code in unrated])
    workflow.move(session, assessment, Action.SUBMIT, by, reason=note)
    return assessment

