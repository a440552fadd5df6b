"""Calibration: the historical scenario's score against history, and the search (CLI)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.market.observation.service import with_inputs
from services.market.simulation import CalibrationReport, Scenario, load_history, load_scenario
from services.market.simulation.calibration import Score, score

SCENARIO = "historical"
REPLICATIONS, MASTER_SEED = 16, 0  # as `score`'s defaults: the figures in docs/market-model.md


class ScoreCache:
    """Scores by scenario document: computed once each, in a thread (the API never waits on
    a simulation in its event loop), at most `size` kept."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.entries: OrderedDict[str, Score] = OrderedDict()
        self.lock = asyncio.Lock()

    async def get(self, scenario: Scenario, compute: Callable[[Scenario], Score]) -> Score:
        key = hashlib.sha256(json.dumps(scenario.model_dump(mode="json"),
                                        sort_keys=True).encode()).hexdigest()
        async with self.lock:
            if key not in self.entries:
                self.entries[key] = await asyncio.to_thread(compute, scenario)
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
            return self.entries[key]


def _score(scenario: Scenario) -> Score:
    return score(scenario, load_history(), replications=REPLICATIONS, master_seed=MASTER_SEED)


async def current(session: AsyncSession, cache: ScoreCache) -> dict[str, Any]:
    """The historical targets and the historical scenario's score, as new runs would use it
    (with today's calibration inputs)."""
    scenario, inputs = await with_inputs(session, load_scenario(SCENARIO))
    result = await cache.get(scenario, _score)
    targets = [{**term.target.model_dump(), "modelled": round(term.modelled, 6),
                "relative_error": round(term.relative_error, 6),
                "contribution": round(term.contribution, 6)} for term in result.terms]
    return {"scenario": SCENARIO, "replications": REPLICATIONS, "master_seed": MASTER_SEED,
            "score": round(result.total, 6), "targets": targets, "inputs": inputs}


def describe(report: CalibrationReport, best: Score) -> str:
    """What a calibration search found, for a terminal."""
    lines = [
        f"scenario {report.scenario.name}: error score {report.start.score:.4f} -> "
        f"{report.best.score:.4f} ({report.improvement:.1%} lower) after "
        f"{len(report.evaluations)} evaluations",
        "parameters (start -> best):",
    ]
    for path, value in report.best.values.items():
        lines.append(f"  {path}: {report.start.values[path]:g} -> {value:g}")
    lines.append("targets at the best values (modelled / observed):")
    for term in best.terms:
        when = term.target.at or f"{term.target.fiscal_year}/{(term.target.fiscal_year or 0) + 1}"
        lines.append(f"  {term.target.output} {when}: {term.modelled:.4g} / "
                     f"{term.target.value:g} ({term.relative_error:+.1%})")
    return "\n".join(lines)
