"""Stored results as the simulation's summary again: CSV, SVG charts and comparisons."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from services.market.run.models import Run, RunResult
from services.market.simulation import compare
from services.market.simulation.export import comparison_to_dict, summary_chart, summary_to_csv
from services.market.simulation.montecarlo import MonteCarloSummary, OutputSummary
from shared.errors import Conflict

Chart = Literal["suppliers", "hhi", "in-house"]
CHART_OUTPUTS: dict[str, dict[str, str]] = {
    "market": {"suppliers": "active_suppliers", "hhi": "hhi_population",
               "in-house": "in_house_share"},
    "csm-ref": {"suppliers": "active_suppliers", "hhi": "hhi", "in-house": "in_house_share"},
}


def _array(values: list[float | None]) -> Any:
    return np.array([math.nan if value is None else value for value in values], dtype=float)


def summary_of(run: Run, result: RunResult) -> MonteCarloSummary:
    """The Monte Carlo summary a completed run stored (None in JSON is NaN again)."""
    outputs = {name: OutputSummary(_array(stats["mean"]), _array(stats["sd"]),
                                   _array(stats["p5"]), _array(stats["p95"]))
               for name, stats in result.outputs.items()}
    return MonteCarloSummary(run.scenario, run.replications, run.seed, tuple(result.quarters),
                             outputs)


def as_csv(run: Run, result: RunResult) -> str:
    """Long CSV: quarter, date, output, mean, sd, p5, p95."""
    return summary_to_csv(summary_of(run, result))


def as_chart(run: Run, result: RunResult, chart: Chart) -> str:
    """One output over time, mean line and 5-95% band, as an SVG document."""
    return summary_chart(summary_of(run, result), CHART_OUTPUTS[run.model][chart])


def comparison(a: tuple[Run, RunResult], b: tuple[Run, RunResult]) -> dict[str, Any]:
    """Run b minus run a with 90% intervals; both must be of the same model and quarters."""
    (run_a, result_a), (run_b, result_b) = a, b
    if run_a.model != run_b.model:
        raise Conflict("the runs use different models; compare like with like")
    try:
        difference = compare(summary_of(run_a, result_a), summary_of(run_b, result_b))
    except ValueError as exc:
        raise Conflict(str(exc)) from None
    return {"a": run_a.id, "b": run_b.id, **comparison_to_dict(difference)}
