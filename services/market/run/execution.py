"""Executing one run's study (pure computation: no database, no event loop).

Called in a worker thread; the simulation reports progress and asks whether to stop after
every chunk of replications. The events kept are those of replication 0, which uses the same
random stream as the study's first replication.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from services.market.simulation import (
    Scenario,
    build_world,
    replication_seed,
    run_csm_ref_monte_carlo,
    run_market,
    run_monte_carlo,
)
from services.market.simulation.export import summary_to_dict
from services.market.simulation.market.world import quarter_labels
from services.market.simulation.montecarlo import CancelCheck, ProgressCallback

CSM_REF_STEPS = 40  # csm-ref's specified length (docs/market-model.md §1)


@dataclass(frozen=True)
class Job:
    """What a worker needs to execute a run."""

    run_id: str
    model: str
    document: dict[str, Any]
    replications: int
    seed: int


@dataclass(frozen=True)
class Outcome:
    """A completed study: per output and quarter statistics, events and final-quarter means."""

    quarters: list[str]
    outputs: dict[str, Any]
    events: list[dict[str, Any]]
    headline: dict[str, float]


def simulate(job: Job, *, processes: int | None = None, progress: ProgressCallback | None = None,
             should_cancel: CancelCheck | None = None) -> Outcome:
    """Run the study; raises SimulationCancelled when `should_cancel` says so."""
    scenario = Scenario.model_validate(job.document)
    if job.model == "csm-ref":
        summary = run_csm_ref_monte_carlo(
            job.replications, job.seed, n_buyers=scenario.ccgs.count, steps=CSM_REF_STEPS,
            scenario=scenario.name, labels=quarter_labels(scenario.start, CSM_REF_STEPS),
            progress=progress, should_cancel=should_cancel)
        events: list[dict[str, Any]] = []  # csm-ref keeps no event log
    else:
        world = build_world(scenario)
        summary = run_monte_carlo(world, job.replications, job.seed, workers=processes,
                                  progress=progress, should_cancel=should_cancel)
        events = [asdict(e) for e in run_market(world, replication_seed(job.seed, 0)).events]
    data = summary_to_dict(summary)
    return Outcome(data["quarters"], data["outputs"], events, headline(data["outputs"]))


def headline(outputs: dict[str, Any]) -> dict[str, float]:
    """Each output's mean in the final quarter (outputs without a value are left out)."""
    final = {name: stats["mean"][-1] for name, stats in outputs.items()}
    return {name: value for name, value in final.items()
            if value is not None and math.isfinite(value)}
