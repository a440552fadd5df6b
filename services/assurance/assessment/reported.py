"""Outcome values integrators report (assurance.outcome.reported.v1), applied like the PCT's own.

A report names a PCT, a cycle year, a metric and a value. It becomes the actual value of that
metric in the PCT's assessment for the year, through `service.replace_outcomes`, the function
behind PUT /assessments/{id}/outcomes: same checks, same metric caps, and a report after panel
scoring voids the review as the PCT's own edit would. A report that cannot apply raises
`OutcomeReportRejected`, so the consumer retries it and then dead-letters it with the reason
(ADR 0006); nothing is half-applied.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment import repository, service
from services.assurance.assessment.models import Assessment, OutcomeValue
from services.assurance.assessment.schemas import OutcomeEntry
from services.assurance.assessment.workflow import Status
from services.assurance.cycle import repository as cycles
from services.assurance.cycle.reference import framework_of
from services.assurance.database import directory
from shared.directory import get_entry
from shared.errors import RuleViolation
from shared.events.contracts.assurance import OutcomeReported


class OutcomeReportRejected(ValueError):
    """A reported outcome value that cannot be applied; the message says why."""


async def record(session: AsyncSession, report: OutcomeReported) -> Assessment:
    """Set the reported value as the actual of the PCT's chosen outcome in the cycle year."""
    assessment = await _open_assessment(session, report)
    framework = framework_of(assessment.cycle)
    known = {metric.code for metric in framework.outcomes.metrics}
    if report.metric not in known:
        raise OutcomeReportRejected(
            f"unknown outcome metric {report.metric!r} in {framework.version_id}")
    chosen = {row.metric: row for row in assessment.outcomes}
    row = chosen.get(report.metric)
    if row is None:
        raise OutcomeReportRejected(
            f"PCT {report.pct_id} has not chosen {report.metric} in {report.cycle_year}: its "
            f"trajectory must be entered (PUT /assessments/{assessment.id}/outcomes) before "
            "actual values can be reported")
    if row.actual is not None and Decimal(row.actual) == report.value:
        return assessment  # already on record: a re-sent figure voids nothing
    entries = [_entry(other, report.value if other is row else None)
               for other in assessment.outcomes]
    try:
        return await service.replace_outcomes(
            session, assessment, entries, f"integrator:{report.source}",
            reason=f"{report.metric} reported by {report.source} on {report.reported_on}",
            details={"metric": report.metric, "actual": [row.actual, str(report.value)],
                     "source": report.source, "reported_on": report.reported_on.isoformat()},
            cause=f"{report.metric} reported")
    except RuleViolation as exc:
        problems = "; ".join(str(error["msg"]) for error in exc.extensions.get("errors", []))
        raise OutcomeReportRejected(f"{exc.detail}: {problems}") from None


async def _open_assessment(session: AsyncSession, report: OutcomeReported) -> Assessment:
    """The PCT's unpublished assessment in the report's cycle year, locked for the change."""
    entry = await get_entry(session, directory, report.pct_id)
    if entry is None or entry["type"] != "PCT":
        raise OutcomeReportRejected(
            f"{report.pct_id} is not a PCT in the organisation directory")
    if await cycles.by_year(session, report.cycle_year) is None:
        raise OutcomeReportRejected(f"no {report.cycle_year} cycle is open")
    assessment = await repository.in_cycle_year(session, report.pct_id, report.cycle_year)
    if assessment is None:
        raise OutcomeReportRejected(
            f"PCT {report.pct_id} has no assessment in the {report.cycle_year} cycle")
    if assessment.status == Status.PUBLISHED:
        raise OutcomeReportRejected(
            f"PCT {report.pct_id}'s {report.cycle_year} assessment is published; a published "
            "result is final")
    return assessment


def _entry(row: OutcomeValue, reported: Decimal | None) -> OutcomeEntry:
    """The stored outcome as the PUT's entry, with the reported actual when given."""
    actual = reported if reported is not None else (
        None if row.actual is None else Decimal(row.actual))
    return OutcomeEntry(metric=row.metric, baseline_year=row.baseline_year,
                        baseline=Decimal(row.baseline),
                        targets=[Decimal(value) for value in row.targets], actual=actual)
