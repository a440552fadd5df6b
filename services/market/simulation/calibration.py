"""Calibration against the real trajectory of the CSU market, 2013-2017.

The error score is a weighted sum of squared relative errors between Monte Carlo means and the
historical targets in reference/calibration/history.yaml. Every candidate is scored with the
same replication seeds (common random numbers), so differences come from the parameters alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.market.simulation.market.engine import OUTPUTS
from services.market.simulation.market.world import quarter_index
from services.market.simulation.montecarlo import (
    CancelCheck,
    MonteCarloSummary,
    ProgressCallback,
    SimulationCancelled,
    run_monte_carlo,
)
from services.market.simulation.scenario import Scenario, ScenarioError, with_parameters

HISTORY_PATH = Path(__file__).resolve().parents[1] / "reference" / "calibration" / "history.yaml"


class CalibrationTarget(BaseModel):
    """One observed value: an output in the quarter containing `at`, or a financial-year mean."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    output: str
    at: dt.date | None = None
    fiscal_year: int | None = None  # April to March, named by its first year
    value: float
    weight: float = Field(default=1.0, ge=0)
    source: str

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.output not in OUTPUTS:
            raise ValueError(f"unknown output {self.output!r}; choose from {', '.join(OUTPUTS)}")
        if (self.at is None) == (self.fiscal_year is None):
            raise ValueError("give exactly one of `at` (a date) or `fiscal_year`")
        if self.value == 0:
            raise ValueError("target value must be non-zero (errors are relative)")
        return self

    def quarters(self, scenario: Scenario) -> list[int]:
        """Quarter indices of the scenario that this target is compared with."""
        if self.at is not None:
            wanted = [quarter_index(scenario.start, self.at)]
        else:
            first = quarter_index(scenario.start, dt.date(int(self.fiscal_year or 0), 4, 1))
            wanted = list(range(first, first + 4))
        if scenario.start > (self.at or dt.date(int(self.fiscal_year or 0), 4, 1)) or (
                max(wanted) >= scenario.quarters):
            raise ValueError(f"target {self.output} ({self.at or self.fiscal_year}) lies outside "
                             f"the scenario's {scenario.quarters} quarters from {scenario.start}")
        return wanted


class History(BaseModel):
    """The observed trajectory that calibration aims at."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[CalibrationTarget] = Field(min_length=1)


def load_history(path: Path = HISTORY_PATH) -> History:
    """Read the calibration targets (with their sources)."""
    return History.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class ScoreTerm:
    """One target's contribution: weight x ((modelled - observed) / observed)^2."""

    target: CalibrationTarget
    modelled: float
    relative_error: float
    contribution: float


@dataclass(frozen=True)
class Score:
    """The error score of a scenario against history (lower is better; 0 is a perfect fit)."""

    total: float
    terms: tuple[ScoreTerm, ...]


def score_summary(scenario: Scenario, summary: MonteCarloSummary, history: History) -> Score:
    """Score Monte Carlo means against each target."""
    terms = []
    for target in history.targets:
        modelled = float(summary.outputs[target.output].mean[target.quarters(scenario)].mean())
        error = (modelled - target.value) / abs(target.value)
        if not math.isfinite(error):
            error = 1e3
        terms.append(ScoreTerm(target, modelled, error, target.weight * error * error))
    return Score(sum(term.contribution for term in terms), tuple(terms))


def score(scenario: Scenario, history: History | None = None, *, replications: int = 16,
          master_seed: int = 0) -> Score:
    """Run a small Monte Carlo study of the scenario and score it against history."""
    summary = run_monte_carlo(scenario, replications, master_seed, workers=1)
    return score_summary(scenario, summary, history or load_history())


@dataclass(frozen=True)
class Parameter:
    """A scenario parameter to search, by dotted path, within bounds."""

    path: str
    low: float
    high: float
    integer: bool = False

    def clip(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return float(round(value)) if self.integer else value


DEFAULT_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("csus.min_efficient_scale", 2_000_000, 8_000_000),
    Parameter("csus.fixed_cost_m", 1.0, 15.0),
    Parameter("csus.unit_cost", 0.6, 1.2),
    Parameter("csus.other_income_m", 0.0, 400.0),
    Parameter("csus.merger_synergy", 0.0, 0.4),
    Parameter("choice.price_weight", 1.0, 16.0),
)


@dataclass(frozen=True)
class Evaluation:
    """A point of the search and its score."""

    values: dict[str, float]
    score: float


@dataclass(frozen=True)
class CalibrationReport:
    """What the search found: the start, the best point and every evaluation in order."""

    start: Evaluation
    best: Evaluation
    evaluations: tuple[Evaluation, ...]
    scenario: Scenario = field(repr=False)  # the starting scenario with the best values

    @property
    def improvement(self) -> float:
        """Relative reduction of the error score (0.25 means 25% lower)."""
        return 1.0 - self.best.score / self.start.score if self.start.score > 0 else 0.0


def _lookup(scenario: Scenario, path: str) -> float:
    node: Any = scenario
    for part in path.split("."):
        node = getattr(node, part)
    return float(node)


class _Search:
    """Coordinate search with step halving, counting evaluations against the budget."""

    def __init__(self, scenario: Scenario, history: History, replications: int,
                 master_seed: int) -> None:
        self.scenario, self.history = scenario, history
        self.replications, self.master_seed = replications, master_seed
        self.evaluations: list[Evaluation] = []

    def evaluate(self, values: Mapping[str, float]) -> Evaluation:
        try:
            candidate = with_parameters(self.scenario, values)
            total = score(candidate, self.history, replications=self.replications,
                          master_seed=self.master_seed).total
        except ScenarioError:
            total = math.inf
        evaluation = Evaluation(dict(values), total)
        self.evaluations.append(evaluation)
        return evaluation

    def neighbours(self, values: dict[str, float], parameters: Sequence[Parameter],
                   steps: dict[str, float]) -> list[dict[str, float]]:
        points = []
        for parameter in parameters:
            for direction in (1.0, -1.0):
                moved = parameter.clip(values[parameter.path] + direction * steps[parameter.path])
                if moved != values[parameter.path]:
                    points.append({**values, parameter.path: moved})
        return points


def _random_points(parameters: Sequence[Parameter], count: int,
                   seed: int) -> list[dict[str, float]]:
    rng = np.random.Generator(np.random.PCG64(seed))
    return [{p.path: p.clip(float(rng.uniform(p.low, p.high))) for p in parameters}
            for _ in range(count)]


def calibrate(
    scenario: Scenario, history: History | None = None,
    parameters: Sequence[Parameter] = DEFAULT_PARAMETERS, *, budget: int = 40,
    random_share: float = 0.25, replications: int = 8, master_seed: int = 0,
    progress: ProgressCallback | None = None, should_cancel: CancelCheck | None = None,
) -> CalibrationReport:
    """Lower the error score within `budget` evaluations: random search, then coordinates.

    The scenario's own values are scored first; `random_share` of the budget samples uniform
    points within the bounds; the rest is a coordinate search (steps of a quarter of each range,
    halved when no neighbour improves) from the best point so far.
    """
    search = _Search(scenario, history or load_history(), replications, master_seed)

    def evaluate(point: dict[str, float]) -> Evaluation:
        if should_cancel is not None and should_cancel():
            raise SimulationCancelled("calibration cancelled")
        evaluation = search.evaluate(point)
        if progress is not None:
            progress(min(len(search.evaluations) / budget, 1.0))
        return evaluation

    start = best = evaluate({p.path: p.clip(_lookup(scenario, p.path)) for p in parameters})
    for point in _random_points(parameters, int(random_share * budget) - 1, master_seed):
        best = min(best, evaluate(point), key=lambda e: e.score)
    steps = {p.path: (p.high - p.low) / 4.0 for p in parameters}
    while len(search.evaluations) < budget and any(
            steps[p.path] > (p.high - p.low) / 256.0 for p in parameters):
        improved = False
        for point in search.neighbours(best.values, parameters, steps):
            if len(search.evaluations) >= budget:
                break
            candidate = evaluate(point)
            if candidate.score < best.score:
                best, improved = candidate, True
                break
        if not improved:
            steps = {path: step / 2.0 for path, step in steps.items()}
    return CalibrationReport(start, best, tuple(search.evaluations),
                             with_parameters(scenario, best.values))
