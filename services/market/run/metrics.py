"""The simulation queue as Prometheus gauges, queried from the run table when scraped."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from services.market.run.models import QUEUED, RUNNING, Run
from shared.metrics import Metrics, Probe, seconds_since


def run_queue_probe(metrics: Metrics) -> Probe:
    """Runs queued and running (all workers together), and how long the oldest queued waits."""
    runs = Gauge("commissioning_market_runs", "Simulation runs by status: queued, running",
                 ["service", "status"], registry=metrics.registry)
    waiting = Gauge("commissioning_market_oldest_queued_run_age_seconds",
                    "Time since the oldest queued run was requested; 0 when none is queued",
                    ["service"], registry=metrics.registry).labels(metrics.service)
    query = (select(Run.status, func.count(), func.min(Run.created_at))
             .where(Run.status.in_((QUEUED, RUNNING))).group_by(Run.status))

    async def probe(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            found = {status: (count, oldest) for status, count, oldest in
                     (await conn.execute(query)).all()}
        for status in (QUEUED, RUNNING):
            runs.labels(metrics.service, status).set(found.get(status, (0, None))[0])
        waiting.set(seconds_since(found.get(QUEUED, (0, None))[1]))

    return probe
