"""What the rules make of an assessment's stored ratings: levels, flags, caps, calibration.

The rules (services/assurance/rules/) do the arithmetic; this module only turns rows into
their inputs and applies the calibration adjustments, newest last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from services.assurance.assessment.models import Assessment, OutcomeValue
from services.assurance.rules.framework import Framework
from services.assurance.rules.outcomes import OutcomeProgress, Trajectory, progress
from services.assurance.rules.scoring import (
    AssessmentScore,
    SubCompetencyRating,
    competency_levels,
    score_assessment,
)
from services.assurance.rules.types import PctResult, Rag


@dataclass(frozen=True, slots=True)
class Standing:
    """An assessment's scores as they stand: the panel's (capped) and the calibrated ones."""

    score: AssessmentScore
    self_levels: Mapping[str, int | None]
    final_levels: Mapping[str, int | None]
    panel_governance: Mapping[str, Rag]
    final_governance: Mapping[str, Rag]


def ratings(assessment: Assessment) -> list[SubCompetencyRating]:
    return [SubCompetencyRating(row.code, row.self_level, row.panel_level)
            for row in assessment.sub_competencies]


def trajectory(row: OutcomeValue) -> Trajectory:
    return Trajectory(row.metric, row.baseline_year, Decimal(row.baseline),
                      tuple(Decimal(value) for value in row.targets))


def outcome_progress(assessment: Assessment, year: str) -> list[OutcomeProgress]:
    """Progress on every outcome with an actual value for `year` (checked on entry)."""
    return [progress(trajectory(row), year, Decimal(row.actual))
            for row in assessment.outcomes if row.actual is not None]


def standing(framework: Framework, assessment: Assessment, year: str) -> Standing:
    """Panel levels, metric caps and flags by the rules, then calibration on top."""
    rated = ratings(assessment)
    score = score_assessment(framework, rated, outcome_progress(assessment, year))
    levels: dict[str, int | None] = dict(score.levels)
    panel_governance = {row.area: Rag(row.rating) for row in assessment.governance}
    governance = dict(panel_governance)
    for adjustment in assessment.adjustments:
        if adjustment.voided:
            continue
        if adjustment.kind == "competency":
            levels[adjustment.code] = int(adjustment.to_value)
        else:
            governance[adjustment.code] = Rag(adjustment.to_value)
    return Standing(score, competency_levels(framework, rated, side="self"), levels,
                    panel_governance, governance)


def result(assessment: Assessment, levels: Mapping[str, int | None],
           governance: Mapping[str, Rag | str]) -> PctResult:
    return PctResult(assessment.pct_id, assessment.sha_id, dict(levels),
                     {area: Rag(rag) for area, rag in governance.items()})


def published_result(assessment: Assessment) -> PctResult:
    """The frozen result of a published assessment."""
    return result(assessment, assessment.final_levels or {}, assessment.final_governance or {})
