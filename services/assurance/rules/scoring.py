"""Competency levels from sub-competency ratings, self/panel difference flags, metric caps.

The rule (docs/assurance-rules.md, "Scoring"):
- a sub-competency counts at its **panel** level; the self-assessment is evidence, never the
  score (Year 1 panels marked below self-assessment, most on competencies 5 and 6 [S20]);
- until the panel has rated all three sub-competencies the competency has no level;
- the three panel levels combine by the strategy named in the framework file. Both versions
  use `floor_of_mean_unless_level_1`: the floor of the mean, except that a sub-competency at
  level 1 ("not yet demonstrated") holds the competency at level 1;
- a metric cap then lowers the level where a linked outcome is far behind its trajectory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from services.assurance.rules.framework import Framework, MetricCap, ScoringStrategy
from services.assurance.rules.outcomes import OutcomeProgress, behind_trajectory_percent
from services.assurance.rules.types import LEVELS


def _floor_of_mean(levels: Sequence[int]) -> int:
    # Floor, not round: a level is a standard reached; 2.67 has not reached 3.
    return sum(levels) // len(levels)


def _floor_of_mean_unless_level_1(levels: Sequence[int]) -> int:
    # A criterion not yet demonstrated at all means the competency is not yet demonstrated,
    # however strong the other two are ([1, 3, 3] would otherwise average up to 2).
    return 1 if 1 in levels else _floor_of_mean(levels)


STRATEGIES: Mapping[ScoringStrategy, Callable[[Sequence[int]], int]] = {
    "floor_of_mean": _floor_of_mean,
    "floor_of_mean_unless_level_1": _floor_of_mean_unless_level_1,
    "minimum": min,
}


@dataclass(frozen=True, slots=True)
class SubCompetencyRating:
    """Self-assessed and panel levels of one sub-competency (e.g. "5.2"); None = not rated."""

    code: str
    self_level: int | None = None
    panel_level: int | None = None

    def __post_init__(self) -> None:
        for level in (self.self_level, self.panel_level):
            if level is not None and level not in LEVELS:
                raise ValueError(f"{self.code}: level {level} is outside 1-4")


@dataclass(frozen=True, slots=True)
class DifferenceFlag:
    """Self-assessment and panel differ by the framework's threshold or more."""

    code: str  # a sub-competency ("5.2") or a competency ("5")
    self_level: int
    panel_level: int

    @property
    def difference(self) -> int:
        return self.panel_level - self.self_level

    @property
    def direction(self) -> str:
        return "panel_below_self" if self.difference < 0 else "panel_above_self"


@dataclass(frozen=True, slots=True)
class AppliedCap:
    """A metric cap that fired: which rule, which outcome, how far behind, what it did."""

    rule_id: str
    competency: str
    metric: str
    behind_percent: Decimal
    cap_level: int
    level_before: int

    @property
    def lowered(self) -> bool:
        return self.level_before > self.cap_level


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """Competency levels of one assessment before and after metric caps, with the flags."""

    levels: Mapping[str, int | None]
    uncapped_levels: Mapping[str, int | None]
    caps: tuple[AppliedCap, ...]
    flags: tuple[DifferenceFlag, ...]


def combine(levels: Sequence[int | None], strategy: ScoringStrategy) -> int | None:
    """One level from sub-competency levels by `strategy`; None if any is unrated."""
    if not levels or any(level is None for level in levels):
        return None
    return STRATEGIES[strategy]([level for level in levels if level is not None])


def _by_competency(
    framework: Framework, ratings: Iterable[SubCompetencyRating]
) -> dict[str, list[SubCompetencyRating | None]]:
    given = {rating.code: rating for rating in ratings}
    known = {sub.code for c in framework.competencies for sub in c.sub_competencies}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ValueError(f"{framework.version_id} has no sub-competencies {unknown}")
    return {
        c.code: [given.get(sub.code) for sub in c.sub_competencies] for c in framework.competencies
    }


def competency_levels(
    framework: Framework,
    ratings: Iterable[SubCompetencyRating],
    *,
    side: Literal["panel", "self"] = "panel",
) -> dict[str, int | None]:
    """Level of every competency from its sub-competencies' `side` ("panel" or "self") levels.

    Competencies the framework does not score (Year 1: 11) are always None.
    """
    strategy = framework.scoring.strategy
    levels: dict[str, int | None] = {}
    for code, subs in _by_competency(framework, ratings).items():
        values = [getattr(sub, f"{side}_level") if sub else None for sub in subs]
        levels[code] = combine(values, strategy) if framework.competency(code).scored else None
    return levels


def difference_flags(
    framework: Framework, ratings: Iterable[SubCompetencyRating]
) -> list[DifferenceFlag]:
    """Sub-competencies and competencies where self and panel differ by the threshold or more."""
    ratings = list(ratings)
    threshold = framework.scoring.difference_flag_threshold
    pairs = [(r.code, r.self_level, r.panel_level) for r in ratings]
    own = competency_levels(framework, ratings, side="self")
    panel = competency_levels(framework, ratings)
    pairs += [(code, own[code], panel[code]) for code in framework.scored_competencies]
    return [
        DifferenceFlag(code, mine, theirs)
        for code, mine, theirs in pairs
        if mine is not None and theirs is not None and abs(theirs - mine) >= threshold
    ]


def _cap_metrics(framework: Framework, cap: MetricCap) -> set[str]:
    if cap.metrics == "linked":
        return {
            m.code for m in framework.outcomes.metrics if cap.competency in m.linked_competencies
        }
    return set(cap.metrics)


def apply_metric_caps(
    framework: Framework,
    levels: Mapping[str, int | None],
    outcomes: Iterable[OutcomeProgress],
) -> tuple[dict[str, int | None], list[AppliedCap]]:
    """Lower competency levels where a capping outcome is further behind than the rule allows.

    A cap fires when the shortfall is strictly more than the threshold, so a PCT exactly at
    the threshold keeps its level. Every firing is returned, including those that changed
    nothing because the level was already at or below the cap.
    """
    capped = dict(levels)
    fired: list[AppliedCap] = []
    outcomes = list(outcomes)
    for cap in framework.metric_caps:
        metrics = _cap_metrics(framework, cap)
        for item in (o for o in outcomes if o.metric in metrics):
            behind = behind_trajectory_percent(framework, item)
            current = capped.get(cap.competency)
            if current is None or behind <= cap.behind_trajectory_percent_over:
                continue
            fired.append(
                AppliedCap(cap.id, cap.competency, item.metric, behind, cap.cap_level, current)
            )
            capped[cap.competency] = min(current, cap.cap_level)
    return capped, fired


def score_assessment(
    framework: Framework,
    ratings: Iterable[SubCompetencyRating],
    outcomes: Iterable[OutcomeProgress] = (),
) -> AssessmentScore:
    """Final competency levels of one assessment: panel levels, then metric caps, plus flags."""
    ratings = list(ratings)
    uncapped = competency_levels(framework, ratings)
    levels, caps = apply_metric_caps(framework, uncapped, outcomes)
    flags = tuple(difference_flags(framework, ratings))
    return AssessmentScore(levels, uncapped, tuple(caps), flags)
