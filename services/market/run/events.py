"""The run's integration events, built from the row."""

from __future__ import annotations

from typing import Literal, cast

from services.market.run.models import Run
from shared.events.contracts.market import Model, RunCompleted, RunRequested


def requested(run: Run) -> RunRequested:
    """The request that puts a queued run on the market workers' queue (Kafka)."""
    return RunRequested(run_id=run.id, scenario=run.scenario, model=cast(Model, run.model),
                        replications=run.replications, seed=run.seed, attempt=run.attempts + 1)


def completed(run: Run) -> RunCompleted:
    """The outcome of a run that has just finished (completed, failed or cancelled)."""
    assert run.finished_at is not None
    status = cast(Literal["completed", "failed", "cancelled"], run.status)
    return RunCompleted(run_id=run.id, scenario=run.scenario, model=cast(Model, run.model),
                        replications=run.replications, seed=run.seed, status=status,
                        finished_at=run.finished_at, summary=dict(run.headline or {}),
                        error=run.error)
