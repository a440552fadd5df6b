"""JSON and CSV exports of runs, Monte Carlo summaries and scenario comparisons.

JSON has one list per output (NaN becomes null); CSV is long for summaries (one row per quarter
and output) so that a spreadsheet can pivot it, and wide for single runs.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from services.market.simulation.market.engine import OUTPUTS, MarketResult
from services.market.simulation.montecarlo import MonteCarloSummary, ScenarioComparison

SUMMARY_COLUMNS = ("quarter", "date", "output", "mean", "sd", "p5", "p95")
COMPARISON_COLUMNS = ("quarter", "date", "output", "difference", "low", "high")
EVENT_COLUMNS = ("quarter", "date", "kind", "supplier", "counterpart", "cause")


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def _numbers(values: Iterable[float]) -> list[float | None]:
    return [_number(v) for v in values]


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def result_to_dict(result: MarketResult) -> dict[str, Any]:
    """A run as plain data: quarters, one list per output, and the supplier events."""
    return {
        "scenario": result.scenario,
        "seed": result.seed,
        "quarters": list(result.labels),
        "outputs": {name: _numbers(values) for name, values in result.outputs.items()},
        "events": [asdict(event) for event in result.events],
    }


def result_to_json(result: MarketResult) -> str:
    """A run as a JSON document."""
    return json.dumps(result_to_dict(result), allow_nan=False)


def result_to_csv(result: MarketResult) -> str:
    """A run as CSV: one row per quarter, one column per output."""
    rows = ([q, label, *(_number(result.outputs[name][q]) for name in OUTPUTS)]
            for q, label in enumerate(result.labels))
    return _csv(("quarter", "date", *OUTPUTS), rows)


def events_to_csv(result: MarketResult) -> str:
    """A run's entries, exits, mergers and framework decisions as CSV."""
    rows = ([e.quarter, e.date, e.kind, e.supplier, e.counterpart or "", e.cause]
            for e in result.events)
    return _csv(EVENT_COLUMNS, rows)


def summary_to_dict(summary: MonteCarloSummary) -> dict[str, Any]:
    """A Monte Carlo summary as plain data."""
    return {
        "scenario": summary.scenario,
        "replications": summary.replications,
        "master_seed": summary.master_seed,
        "quarters": list(summary.labels),
        "outputs": {
            name: {"mean": _numbers(s.mean), "sd": _numbers(s.sd), "p5": _numbers(s.p5),
                   "p95": _numbers(s.p95)}
            for name, s in summary.outputs.items()
        },
    }


def summary_to_json(summary: MonteCarloSummary) -> str:
    """A Monte Carlo summary as a JSON document."""
    return json.dumps(summary_to_dict(summary), allow_nan=False)


def summary_to_csv(summary: MonteCarloSummary) -> str:
    """A Monte Carlo summary as long CSV: quarter, date, output, mean, sd, p5, p95."""
    rows = ([q, label, name, _number(s.mean[q]), _number(s.sd[q]), _number(s.p5[q]),
             _number(s.p95[q])]
            for q, label in enumerate(summary.labels) for name, s in summary.outputs.items())
    return _csv(SUMMARY_COLUMNS, rows)


def comparison_to_dict(comparison: ScenarioComparison) -> dict[str, Any]:
    """A scenario comparison as plain data (variant minus base, 90% intervals)."""
    return {
        "base": comparison.base,
        "variant": comparison.variant,
        "quarters": list(comparison.labels),
        "outputs": {
            name: {"difference": _numbers(d.mean), "low": _numbers(d.low),
                   "high": _numbers(d.high)}
            for name, d in comparison.outputs.items()
        },
    }


def comparison_to_json(comparison: ScenarioComparison) -> str:
    """A scenario comparison as a JSON document."""
    return json.dumps(comparison_to_dict(comparison), allow_nan=False)


def comparison_to_csv(comparison: ScenarioComparison) -> str:
    """A scenario comparison as long CSV: quarter, date, output, difference, low, high."""
    rows = ([q, label, name, _number(d.mean[q]), _number(d.low[q]), _number(d.high[q])]
            for q, label in enumerate(comparison.labels)
            for name, d in comparison.outputs.items())
    return _csv(COMPARISON_COLUMNS, rows)
