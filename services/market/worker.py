"""Market's worker: outbox relay, Kafka consumer, run executor and stale-run recovery.

`python -m services.market.worker`; start more of them to execute more runs at once (they
share one consumer group, so each run request reaches one of them).
"""

from __future__ import annotations

import asyncio

from services.market.config import Settings
from services.market.database import inbox, outbox
from services.market.handlers import HANDLERS
from services.market.run.executor import CURRENT_EXECUTOR, RunExecutor
from services.market.run.metrics import run_queue_probe
from services.market.run.recovery import Recovery
from shared.logging import configure_logging
from shared.metrics import Metrics
from shared.worker import run_worker


async def run(settings: Settings, *, stop: asyncio.Event | None = None,
              worker_id: str | None = None) -> None:
    """Run the worker until `stop` (or SIGTERM / SIGINT when no event is given)."""
    executor = RunExecutor(settings, worker_id=worker_id)
    # Tasks started below (the consumer among them) copy this context: its handler finds the
    # executor of its own worker, even with two workers in one process (tests).
    token = CURRENT_EXECUTOR.set(executor)
    metrics = Metrics(settings.service_name)
    metrics.on_scrape("run_queue", run_queue_probe(metrics))
    try:
        await run_worker(settings, outbox=outbox.table, inbox=inbox, handlers=HANDLERS,
                         extra=[executor.serve, Recovery(settings).serve], stop=stop,
                         metrics=metrics)
    finally:
        CURRENT_EXECUTOR.reset(token)


def main() -> None:
    settings = Settings()
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
