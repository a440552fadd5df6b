"""The worker process every service runs: outbox relay plus Kafka consumer, until SIGTERM.

On SIGTERM/SIGINT the relay finishes its batch, the consumer commits what it applied, and
both close their Kafka clients before the process exits. With `<SVC>_METRICS_PORT` set, the
worker also serves its Prometheus metrics there (shared/metrics.py).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Table

from shared.config import BaseServiceSettings
from shared.db import create_engine, create_sessionmaker
from shared.events.consumer import Consumer, ConsumerConfig, Handler, consumed_topics
from shared.events.contracts import topics_of
from shared.events.relay import Relay
from shared.events.topics import ensure_topics, with_dlqs
from shared.logging import configure_logging
from shared.metrics import ConsumerMetrics, Metrics, RelayMetrics, serve

log = logging.getLogger(__name__)
Task = Callable[[asyncio.Event], Awaitable[None]]


async def run_worker(settings: BaseServiceSettings, *, outbox: Table, inbox: Table,
                     handlers: dict[str, Handler], extra: Sequence[Task] = (),
                     stop: asyncio.Event | None = None, metrics: Metrics | None = None) -> None:
    """Run relay, consumer and any extra loops until `stop` (or a signal) arrives; serve
    `metrics` (the process's registry, with any probes the service added) on
    `settings.metrics_port` unless it is 0."""
    stop = stop or _stop_on_signals()
    metrics = metrics or Metrics(settings.service_name)
    engine = create_engine(settings.resolved_database_url(), pool_size=4)
    bootstrap = settings.kafka_bootstrap_servers
    prefix = settings.kafka_topic_prefix
    topics = tuple(prefix + topic for topic in consumed_topics(handlers))
    produced = [prefix + topic for topic in topics_of(settings.service_name)]
    await asyncio.to_thread(
        ensure_topics, bootstrap, with_dlqs([*produced, *topics]),
        partitions=settings.kafka_topic_partitions, replication=settings.kafka_topic_replication)
    server = None
    if settings.metrics_port:  # a port in use stops the worker before anything runs
        server = await serve(metrics, engine, host=settings.metrics_host,
                             port=settings.metrics_port)
    relay = Relay(engine=engine, outbox=outbox, bootstrap=bootstrap,
                  service=settings.service_name, batch_size=settings.relay_batch_size,
                  poll_interval=settings.relay_poll_interval, topic_prefix=prefix,
                  metrics=RelayMetrics(metrics))
    loops: list[Awaitable[None]] = [relay.run(stop), *(task(stop) for task in extra)]
    if handlers:
        consumer = Consumer(
            ConsumerConfig(group_id=prefix + settings.service_name, bootstrap=bootstrap,
                           topics=topics,
                           max_retries=settings.consumer_max_retries,
                           retry_backoff=settings.consumer_retry_backoff),
            handlers=handlers, sessionmaker=create_sessionmaker(engine), inbox=inbox,
            metrics=ConsumerMetrics(metrics))
        loops.append(consumer.run(stop))
    log.info("worker started", extra={"consumes": list(topics),
                                      "metrics_port": settings.metrics_port or None})
    try:
        await asyncio.gather(*loops)
    finally:
        if server is not None:
            server.close()
        await engine.dispose()
        log.info("worker stopped")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def main(settings: BaseServiceSettings, **kwargs: object) -> None:
    """Entry point body for `python -m services.<svc>.worker`."""
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    asyncio.run(run_worker(settings, **kwargs))  # type: ignore[arg-type]
