"""Prometheus metrics: one registry per process, served by the API at /metrics and by the worker
on its own port (`<SVC>_METRICS_PORT`).

Every metric carries a `service` label. Labels never hold ids: HTTP requests are labelled by
route template (`/cycles/{cycle_id}`), Kafka metrics by topic and partition. Figures that live in
the database (outbox backlog, market run queue) are read by a cheap query when scraped, so they
are right whichever replica is asked and cost nothing between scrapes. Names, labels and alert
rules: docs/operations.md; why: docs/adr/0012-metrics.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4 as CONTENT_TYPE
from prometheus_client.exposition import generate_latest
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import PUBLIC
from shared.events.tables import outbox_table

log = logging.getLogger(__name__)
Probe = Callable[[AsyncEngine], Awaitable[None]]
PROBE_TIMEOUT = 5.0  # seconds a scrape-time query may take before the scrape goes on without it
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route label of a request no route matched (never the raw path)
# No `<name>_created` series beside every counter and histogram: they double what is stored
# and no rule reads them (a process-wide switch of prometheus_client).
disable_created_metrics()


class Metrics:
    """A process's registry (never prometheus_client's global one: tests build many apps and
    workers in one process) and the probes that refresh database figures when scraped."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self._probes: list[tuple[str, Probe]] = []
        self._probe_failures = Counter(
            "commissioning_metrics_probe_failures_total",
            "Scrape-time database queries that failed or timed out (their gauges keep the "
            "previous value)", ["service", "probe"], registry=self.registry)

    def on_scrape(self, name: str, probe: Probe) -> None:
        """Run `probe` (a query that sets gauges) before each scrape."""
        self._probes.append((name, probe))
        self._probe_failures.labels(self.service, name)

    async def exposition(self, engine: AsyncEngine) -> bytes:
        """The text exposition format, after running every probe against `engine`."""
        for name, probe in self._probes:
            try:
                await asyncio.wait_for(probe(engine), PROBE_TIMEOUT)
            except Exception as exc:  # a scrape reports what it can; the failure is counted
                self._probe_failures.labels(self.service, name).inc()
                log.warning("metrics probe failed", extra={"probe": name, "error": repr(exc)})
        return generate_latest(self.registry)


# ---- API ------------------------------------------------------------------------------------

def request_duration(metrics: Metrics) -> Histogram:
    """The API's request latency histogram (registered once per app, when the app is built)."""
    return Histogram("commissioning_http_request_duration_seconds",
                     "Time from a request's arrival to the end of its response",
                     ["service", "method", "route", "status_class"], registry=metrics.registry)


class HttpMetricsMiddleware:
    """Times every HTTP request, labelled by method, route template and status class."""

    def __init__(self, app: ASGIApp, duration: Histogram, service: str) -> None:
        self.app = app
        self.duration = duration
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # unless a response starts: an exception that escaped everything

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            # The router put the matched route in the scope; a path that matched none is
            # `unmatched`, so no id and no scanner's junk path ever becomes a label value.
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"] if scope["method"] in _METHODS else "other"
            self.duration.labels(self.service, method, route, f"{status // 100}xx").observe(
                time.perf_counter() - began)


def outbox_probe(metrics: Metrics) -> Probe:
    """Gauges of the outbox's unpublished rows and the age of the oldest, queried when scraped."""
    outbox = outbox_table(MetaData())  # the same table in every service's database
    backlog = Gauge("commissioning_outbox_backlog",
                    "Outbox rows not yet published to Kafka", ["service"],
                    registry=metrics.registry).labels(metrics.service)
    age = Gauge("commissioning_outbox_oldest_age_seconds",
                "Age of the oldest unpublished outbox row; 0 when none waits", ["service"],
                registry=metrics.registry).labels(metrics.service)
    query = (select(func.count(), func.min(outbox.c.created_at))
             .where(outbox.c.published_at.is_(None)))

    async def probe(engine: AsyncEngine) -> None:
        async with engine.connect() as conn:
            count, oldest = (await conn.execute(query)).one()
        backlog.set(count)
        age.set(seconds_since(oldest))

    return probe


def seconds_since(moment: datetime | None) -> float:
    """Seconds from `moment` (naive means UTC, as SQLite returns it) to now; 0 for None."""
    if moment is None:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())


router = APIRouter(tags=["health"], dependencies=[PUBLIC])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                             "description": "Prometheus text exposition format"}})
async def metrics_endpoint(request: Request) -> Response:
    """The service's metrics for Prometheus (request latency, outbox backlog and age), in the
    text exposition format. Not for front-ends; see docs/operations.md."""
    metrics: Metrics = request.app.state.metrics
    body = await metrics.exposition(request.app.state.engine)
    return Response(body, media_type=CONTENT_TYPE)


# ---- worker ---------------------------------------------------------------------------------

class RelayMetrics:
    """What the outbox relay did: events published, batches that failed (and were retried)."""

    def __init__(self, metrics: Metrics) -> None:
        self._published = Counter(
            "commissioning_relay_published_total", "Outbox events published to Kafka",
            ["service"], registry=metrics.registry).labels(metrics.service)
        self._failures = Counter(
            "commissioning_relay_batch_failures_total",
            "Relay batches that failed (nothing marked; retried with backoff)",
            ["service"], registry=metrics.registry).labels(metrics.service)

    def published(self, events: int) -> None:
        self._published.inc(events)

    def batch_failed(self) -> None:
        self._failures.inc()


class ConsumerMetrics:
    """What the consumer did with each event, what it dead-lettered, and how far behind it is."""

    def __init__(self, metrics: Metrics) -> None:
        self.service = metrics.service
        self._events = Counter(
            "commissioning_consumer_events_total",
            "Consumed events by outcome: applied, duplicate, ignored (no handler), dead_lettered",
            ["service", "topic", "outcome"], registry=metrics.registry)
        self._dead = Counter(
            "commissioning_consumer_dead_letters_total",
            "Events sent to <topic>.dlq, by kind: malformed, contract, handler",
            ["service", "topic", "kind"], registry=metrics.registry)
        self._lag = Gauge(
            "commissioning_consumer_lag",
            "Events of a partition this consumer has not applied yet (end offset minus the "
            "next offset to apply)", ["service", "topic", "partition"], registry=metrics.registry)
        self._lagging: set[tuple[str, str]] = set()

    def declare(self, topics: Iterable[str], outcomes: Iterable[str],
                kinds: Iterable[str]) -> None:
        """Start every counter at 0, so that the first dead letter after a start is an increase
        (a series born at 1 shows no `increase()`, and the alert would miss it)."""
        outcomes, kinds = list(outcomes), list(kinds)
        for topic in topics:
            for outcome in outcomes:
                self._events.labels(self.service, topic, outcome)
            for kind in kinds:
                self._dead.labels(self.service, topic, kind)

    def counted(self, topic: str, outcome: str, events: int = 1) -> None:
        if events:
            self._events.labels(self.service, topic, outcome).inc(events)

    def dead_lettered(self, topic: str, kind: str) -> None:
        self._dead.labels(self.service, topic, kind).inc()

    def set_lag(self, lag: Mapping[tuple[str, int], int]) -> None:
        """The lag of every partition assigned now; partitions no longer assigned are dropped."""
        current = {(topic, str(partition)): value for (topic, partition), value in lag.items()}
        for topic, partition in self._lagging - current.keys():
            self._lag.remove(self.service, topic, partition)
        for (topic, partition), value in current.items():
            self._lag.labels(self.service, topic, partition).set(value)
        self._lagging = set(current)


async def serve(metrics: Metrics, engine: AsyncEngine, *, host: str,
                port: int) -> asyncio.Server:
    """A minimal HTTP server answering `GET /metrics` (the worker has no web framework)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            method, target, *_ = head.split(b"\r\n", 1)[0].split(b" ")
            if method in (b"GET", b"HEAD") and target.split(b"?")[0] == b"/metrics":
                status, kind, body = b"200 OK", CONTENT_TYPE, await metrics.exposition(
                    engine)
            else:
                status, kind, body = b"404 Not Found", "text/plain", b"only /metrics here\n"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + kind.encode()
                         + b"\r\nContent-Length: " + str(len(body)).encode()
                         + b"\r\nConnection: close\r\n\r\n" + (b"" if method == b"HEAD" else body))
            await writer.drain()
        except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError):
            pass  # a client that went away or spoke something else than HTTP
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)
