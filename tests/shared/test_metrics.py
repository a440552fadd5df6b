"""Prometheus metrics, scraped over HTTP from real apps and workers (shared/metrics.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select, update

from services.identity.database import outbox
from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate
from services.market import worker as market_worker
from services.market.run.models import QUEUED, RUNNING, Run
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.events.envelope import new_envelope
from shared.testing.kafka import free_port, send_in_order
from shared.testing.metrics import label_values, sample, scrape
from shared.testing.plugin import ServiceHarness, settings_for
from shared.testing.workers import eventually, running_worker
from tests.shared.helpers import locked

LATENCY = "commissioning_http_request_duration_seconds_count"
ORGANISATION_REGISTERED = "identity.organisation.registered.v1"


async def api_metrics(client: Any) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return str(response.text)


def worker_settings(service: str, url: str, bootstrap: str, **overrides: Any) -> Any:
    """A worker of `service` on its own database and topic prefix, serving metrics."""
    return settings_for(service, database_url=url, kafka_bootstrap_servers=bootstrap,
                        kafka_topic_prefix=f"t{uuid.uuid4().hex[:10]}.", kafka_topic_partitions=1,
                        log_json=False, relay_poll_interval=0.01, consumer_retry_backoff=0.05,
                        metrics_port=free_port(), **overrides)


async def worker_metrics(settings: Any) -> str | None:
    """The worker's exposition; None while its endpoint is not listening yet."""
    try:
        return await scrape(f"http://127.0.0.1:{settings.metrics_port}/metrics")
    except httpx.TransportError:
        return None


class TestRequestLatency:
    async def test_requests_are_timed_by_route_template_method_and_status_class(
            self, service_app: Callable[..., AbstractAsyncContextManager[ServiceHarness]],
    ) -> None:
        async with service_app("procurement") as h:
            for call_off in ("CO-4711-ABCD", "CO-0815-WXYZ"):
                assert (await h.client.get(f"/ocds/call-offs/{call_off}")).status_code == 404
            assert (await h.client.get("/healthz")).status_code == 200
            assert (await h.client.get("/wp-admin/setup-config.php")).status_code == 404
            exposition = await api_metrics(h.client)

        assert sample(exposition, LATENCY, service="procurement", method="GET",
                      route="/ocds/call-offs/{call_off_id}", status_class="4xx") == 2
        assert sample(exposition, LATENCY, route="/healthz", status_class="2xx") == 1
        assert sample(exposition, LATENCY, route="unmatched", status_class="4xx") == 1
        values = label_values(exposition)
        assert not {v for v in values if "CO-" in v or "wp-admin" in v}, "raw paths in labels"

    async def test_an_unhandled_error_counts_as_a_5xx(
            self, service_app: Callable[..., AbstractAsyncContextManager[ServiceHarness]],
    ) -> None:
        async with service_app("market") as h:
            @h.app.get("/broken/{thing_id}")
            async def broken(thing_id: str) -> None:
                raise RuntimeError(f"{thing_id} is broken")

            assert (await h.client.get("/broken/42")).status_code == 500
            exposition = await api_metrics(h.client)

        assert sample(exposition, LATENCY, service="market", route="/broken/{thing_id}",
                      status_class="5xx") == 1


async def register_organisations(url: str, *codes: str) -> None:
    engine = create_engine(url)
    async with session_scope(create_sessionmaker(engine)) as session:
        for code in codes:
            await organisations.register(session, OrganisationCreate(
                code=code, name=f"Supplier {code}", type="SUPPLIER",
                valid_from=date(2007, 10, 5)), actor="test")
    await engine.dispose()


async def unpublished(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = await conn.scalar(select(func.count()).select_from(outbox.table)
                                  .where(outbox.table.c.published_at.is_(None)))
    await engine.dispose()
    return int(found or 0)


@pytest.mark.integration
class TestOutboxAndRelay:
    async def test_the_backlog_is_the_unpublished_rows_until_the_relay_publishes_them(
            self, fresh_database: Callable[[str], str], kafka: Any, live_app: Any) -> None:
        url = fresh_database("identity")
        settings = worker_settings("identity", url, kafka.bootstrap)
        await register_organisations(url, "RM1", "RM2", "RM3")
        await asyncio.sleep(0.05)  # the oldest row has an age worth measuring

        async with live_app("identity", settings) as (_app, client):
            before = await api_metrics(client)
            assert sample(before, "commissioning_outbox_backlog",
                          service="identity") == await unpublished(url) == 3
            assert (sample(before, "commissioning_outbox_oldest_age_seconds") or 0) > 0.04

            async with running_worker("identity", settings):
                async def drained() -> bool:
                    return sample(await api_metrics(client),
                                  "commissioning_outbox_backlog") == 0
                await eventually(drained, timeout=60, message="the outbox to drain")
                relay = await eventually(lambda: worker_metrics(settings), timeout=30,
                                         message="the worker's metrics")

            after = await api_metrics(client)
        assert sample(after, "commissioning_outbox_oldest_age_seconds") == 0
        assert await unpublished(url) == 0
        assert sample(relay, "commissioning_relay_published_total", service="identity") == 3
        assert sample(relay, "commissioning_relay_batch_failures_total") == 0
        assert sample(relay, "commissioning_metrics_probe_failures_total") is None


def organisation_event(code: str) -> bytes:
    data = {"organisation_id": str(uuid.uuid4()), "code": code, "name": f"Supplier {code}",
            "type": "SUPPLIER", "valid_from": "2007-10-05"}
    return new_envelope(source="/services/identity", type_=ORGANISATION_REGISTERED, subject=code,
                        data=data, correlation_id="test-metrics",
                        time=datetime.now(UTC)).to_bytes()


@pytest.mark.integration
class TestConsumer:
    async def test_lag_dead_letters_and_outcomes_while_a_handler_is_held_up_and_after(
            self, fresh_database: Callable[[str], str], kafka: Any) -> None:
        url = fresh_database("assurance")
        settings = worker_settings("assurance", url, kafka.bootstrap, consumer_max_retries=0)
        topic = settings.kafka_topic_prefix + "identity.organisation"
        labels = {"service": "assurance", "topic": topic}

        async with running_worker("assurance", settings):
            async with locked(url, "organisation_directory"):
                await asyncio.to_thread(send_in_order, kafka.bootstrap, topic, [
                    b"not an envelope", *(organisation_event(f"LAG{i}") for i in range(3))],
                    key=b"one-partition")

                async def held_up() -> str | None:
                    exposition = await worker_metrics(settings) or ""
                    dead = sample(exposition, "commissioning_consumer_dead_letters_total",
                                  kind="malformed", **labels)
                    return exposition if dead == 1 else None

                during = await eventually(held_up, timeout=60,
                                          message="the malformed record to be dead-lettered")
                # The three events behind it wait for the lock: not applied, still lagging.
                assert (sample(during, "commissioning_consumer_lag", partition="0", **labels)
                        or 0) >= 3
                assert sample(during, "commissioning_consumer_events_total",
                              outcome="applied", **labels) == 0

            async def caught_up() -> str | None:
                exposition = await worker_metrics(settings) or ""
                lag = sample(exposition, "commissioning_consumer_lag", partition="0", **labels)
                applied = sample(exposition, "commissioning_consumer_events_total",
                                 outcome="applied", **labels)
                return exposition if (lag, applied) == (0, 3) else None

            after = await eventually(caught_up, timeout=60, message="lag back to 0")
        assert sample(after, "commissioning_consumer_events_total", outcome="dead_lettered",
                      **labels) == 1
        assert sample(after, "commissioning_consumer_dead_letters_total", kind="malformed",
                      **labels) == 1


async def add_run(url: str, status: str, *, age: timedelta) -> str:
    """A run row as the API and a worker leave it (no outbox event: no worker is asked)."""
    now = datetime.now(UTC)
    run_id = str(uuid.uuid4())
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(Run).values(
            id=run_id, scenario="historical", model="market", replications=20, seed=1,
            document={}, inputs={"used": False}, status=status, progress=0.0,
            cancel_requested=False, published=False, attempts=int(status == RUNNING),
            worker_id="another-worker" if status == RUNNING else None,
            heartbeat_at=now if status == RUNNING else None, owner_org_id=str(uuid.uuid4()),
            created_by="user:test", created_at=now - age))
    await engine.dispose()
    return run_id


@asynccontextmanager
async def running_market_worker(settings: Any) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(market_worker.run(settings, stop=stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)


@pytest.mark.integration
class TestMarketQueue:
    async def test_the_worker_reports_queued_and_running_runs_and_the_oldest_wait(
            self, fresh_database: Callable[[str], str], kafka: Any) -> None:
        url = fresh_database("market")
        # No pick-up sweep within the test: the queued runs stay queued.
        settings = worker_settings("market", url, kafka.bootstrap, run_pickup_interval=60)
        oldest = await add_run(url, QUEUED, age=timedelta(minutes=20))
        await add_run(url, QUEUED, age=timedelta(minutes=1))
        await add_run(url, RUNNING, age=timedelta(minutes=5))

        async with running_market_worker(settings):
            before = await eventually(lambda: worker_metrics(settings), timeout=60,
                                      message="the worker's metrics")
            engine = create_engine(url)
            async with engine.begin() as conn:
                await conn.execute(update(Run).where(Run.id == oldest).values(status=RUNNING))
            await engine.dispose()
            after = await worker_metrics(settings) or ""

        labels = {"service": "market"}
        assert sample(before, "commissioning_market_runs", status="queued", **labels) == 2
        assert sample(before, "commissioning_market_runs", status="running", **labels) == 1
        assert 20 * 60 <= (sample(before, "commissioning_market_oldest_queued_run_age_seconds",
                                  **labels) or 0) < 21 * 60
        assert sample(after, "commissioning_market_runs", status="queued", **labels) == 1
        assert sample(after, "commissioning_market_runs", status="running", **labels) == 2
        assert 60 <= (sample(after, "commissioning_market_oldest_queued_run_age_seconds",
                             **labels) or 0) < 120
