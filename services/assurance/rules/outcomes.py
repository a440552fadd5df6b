"""Outcome metrics and trajectories: the reference model and how far behind a PCT is."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from services.assurance.rules.loading import Frozen

if TYPE_CHECKING:
    from services.assurance.rules.framework import Framework

Direction = Literal["higher_is_better", "lower_is_better"]


class VitalSignsTier(Frozen):
    tier: int = Field(ge=1, le=3)
    name: str
    example: str | None = None
    sources: tuple[str, ...] = ()


class OutcomeMetric(Frozen):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    # national: on the national list every PCT chooses from; local_menu: Vital Signs tier 3.
    catalogue: Literal["national", "local_menu"]
    vital_signs_tier: int = Field(ge=1, le=3)
    direction: Direction
    unit: str
    linked_competencies: tuple[str, ...] = ()
    popular_year_1: bool = False
    sources: tuple[str, ...] = ()
    illustrative: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _menu_is_tier_3(self) -> OutcomeMetric:
        if (self.catalogue == "local_menu") != (self.vital_signs_tier == 3):
            raise ValueError("local_menu metrics are Vital Signs tier 3 and national ones tier 1-2")
        return self


class Outcomes(Frozen):
    choices_per_pct: int = Field(ge=1)
    choices_per_pct_confirmed: bool
    trajectory_years: int = Field(ge=1, le=10)
    vital_signs_tiers: tuple[VitalSignsTier, ...]
    metrics: tuple[OutcomeMetric, ...]

    @model_validator(mode="after")
    def _codes_unique(self) -> Outcomes:
        if [tier.tier for tier in self.vital_signs_tiers] != [1, 2, 3]:
            raise ValueError("vital_signs_tiers: expected tiers 1, 2, 3 in order")
        repeated = [code for code, n in Counter(m.code for m in self.metrics).items() if n > 1]
        if repeated:
            raise ValueError(f"metrics: repeated codes {repeated}")
        if len(self.metrics) < self.choices_per_pct:
            raise ValueError("metrics: fewer metrics than a PCT is asked to choose")
        return self

    def metric(self, code: str) -> OutcomeMetric:
        for metric in self.metrics:
            if metric.code == code:
                return metric
        raise KeyError(f"unknown outcome metric {code!r}")


@dataclass(frozen=True, slots=True)
class Trajectory:
    """A PCT's year-by-year aspiration for one outcome, starting the year after its baseline."""

    metric: str
    baseline_year: str  # "2008/09"
    baseline: Decimal
    targets: tuple[Decimal, ...]

    def years(self) -> tuple[str, ...]:
        start = int(self.baseline_year[:4])
        return tuple(_year(start + n) for n in range(1, len(self.targets) + 1))

    def target_for(self, year: str) -> Decimal:
        """The target for `year` ("2010/11"); KeyError outside the trajectory."""
        years = self.years()
        if year not in years:
            raise KeyError(f"{self.metric}: no target for {year}; trajectory covers {years}")
        return self.targets[years.index(year)]


def _year(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True, slots=True)
class OutcomeProgress:
    """Where a PCT stands on one outcome in one year, against its trajectory's target."""

    metric: str
    year: str
    target: Decimal
    actual: Decimal


def progress(trajectory: Trajectory, year: str, actual: Decimal) -> OutcomeProgress:
    """The progress record for `actual` in `year` against `trajectory`."""
    return OutcomeProgress(trajectory.metric, year, trajectory.target_for(year), actual)


def behind_trajectory_percent(framework: Framework, item: OutcomeProgress) -> Decimal:
    """How far `actual` falls short of `target`, as a percentage of the target (<= 0: on track).

    The direction comes from the metric: for "lower is better" (e.g. teenage pregnancy) being
    above the target is behind. A shortfall against a zero target is infinitely far behind.
    """
    metric = framework.outcomes.metric(item.metric)
    gap = item.target - item.actual
    if metric.direction == "lower_is_better":
        gap = -gap
    if item.target == 0:
        return Decimal("Infinity") if gap > 0 else Decimal(0)
    return gap * 100 / abs(item.target)


def trajectory_problems(framework: Framework, trajectory: Trajectory) -> list[str]:
    """Why a trajectory does not fit `framework` (unknown metric, wrong number of years)."""
    problems = []
    if trajectory.metric not in {m.code for m in framework.outcomes.metrics}:
        problems.append(f"unknown outcome metric {trajectory.metric!r}")
    if len(trajectory.targets) != framework.outcomes.trajectory_years:
        problems.append(
            f"{trajectory.metric}: {len(trajectory.targets)} yearly targets, "
            f"expected {framework.outcomes.trajectory_years}"
        )
    return problems


def choice_problems(framework: Framework, codes: Iterable[str]) -> list[str]:
    """Why a PCT's chosen outcomes do not fit `framework` (unknown or repeated metrics)."""
    chosen = list(codes)
    known = {m.code for m in framework.outcomes.metrics}
    problems = [f"unknown outcome metric {code!r}" for code in chosen if code not in known]
    problems += [f"{code} chosen {n} times" for code, n in Counter(chosen).items() if n > 1]
    return problems
