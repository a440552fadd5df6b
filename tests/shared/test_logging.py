"""JSON logs carry a correlation id: the caller's or a new one per request, the event's per event.

The log lines are read from the stream handler that `shared.logging.configure_logging` puts on
the root logger (services call it in `build_app`), so what is checked is what ops would read.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from kafka.consumer.fetcher import ConsumerRecord
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.database import directory, inbox
from shared.db import create_engine, create_sessionmaker
from shared.directory import directory_handlers
from shared.events.consumer import Consumer, ConsumerConfig, Handler, Outcome
from shared.events.envelope import Envelope, new_envelope
from shared.events.topics import ensure_topics, with_dlqs
from shared.logging import JsonFormatter, configure_logging
from shared.testing.kafka import send_in_order
from shared.testing.plugin import settings_for
from shared.testing.tokens import TokenFactory
from shared.testing.workers import eventually

REGISTERED = "identity.organisation.registered.v1"
GENERATED = re.compile(r"^[0-9a-f]{32}$")
handler_log = logging.getLogger("tests.directory")


class JsonLog:
    """The JSON lines written by the root logger's handler once `attach` has been called."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def attach(self) -> None:
        handlers = [h for h in logging.getLogger().handlers
                    if isinstance(h.formatter, JsonFormatter)]
        assert len(handlers) == 1, "configure_logging installs one JSON handler"
        stream_handler = handlers[0]
        assert isinstance(stream_handler, logging.StreamHandler)
        stream_handler.setStream(self.stream)

    def entries(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.stream.getvalue().splitlines()]

    def named(self, message: str) -> list[dict[str, Any]]:
        return [entry for entry in self.entries() if entry["message"] == message]


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield JsonLog()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def identity_settings(url: str, tokens: TokenFactory) -> Any:
    return settings_for("identity", database_url=url, kafka_bootstrap_servers="127.0.0.1:9",
                        log_json=True, token_issuer=tokens.issuer)


def admin(tokens: TokenFactory) -> dict[str, str]:
    return tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"], audience="identity")


class TestRequestLogs:
    async def test_the_callers_correlation_id_is_echoed_and_on_the_json_access_line(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory, json_log: JsonLog,
    ) -> None:
        settings = identity_settings(fresh_database("identity"), tokens)
        async with live_app("identity", settings) as (_app, client):
            json_log.attach()
            response = await client.get("/organisations", headers={
                **admin(tokens), "X-Correlation-ID": "ticket-4711.a"})
        assert response.status_code == 200
        assert response.headers["x-correlation-id"] == "ticket-4711.a"
        [line] = json_log.named("request")
        assert line["correlation_id"] == "ticket-4711.a"
        assert (line["service"], line["logger"], line["level"]) == ("identity", "access", "INFO")
        assert (line["method"], line["path"], line["status"]) == ("GET", "/organisations", 200)
        assert datetime.fromisoformat(line["time"]).tzinfo is not None

    async def test_a_request_without_one_gets_a_new_id_per_request(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory, json_log: JsonLog,
    ) -> None:
        settings = identity_settings(fresh_database("identity"), tokens)
        async with live_app("identity", settings) as (_app, client):
            json_log.attach()
            first = await client.get("/organisations", headers=admin(tokens))
            second = await client.get("/organisations", headers=admin(tokens))
        ids = [first.headers["x-correlation-id"], second.headers["x-correlation-id"]]
        assert all(GENERATED.match(value) for value in ids)
        assert ids[0] != ids[1]
        assert [line["correlation_id"] for line in json_log.named("request")] == ids

    async def test_a_malformed_id_is_not_trusted_and_a_new_one_is_used(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory, json_log: JsonLog,
    ) -> None:
        settings = identity_settings(fresh_database("identity"), tokens)
        async with live_app("identity", settings) as (_app, client):
            json_log.attach()
            response = await client.get("/organisations", headers={
                **admin(tokens), "X-Correlation-ID": 'forged"} {"level": "ERROR'})
        generated = response.headers["x-correlation-id"]
        assert GENERATED.match(generated)
        [line] = json_log.named("request")
        assert line["correlation_id"] == generated

    async def test_the_outbox_event_carries_the_requests_correlation_id(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory, json_log: JsonLog,
    ) -> None:
        url = fresh_database("identity")
        async with live_app("identity", identity_settings(url, tokens)) as (_app, client):
            json_log.attach()
            response = await client.post("/organisations", json={
                "code": "DH", "name": "Department of Health", "type": "DOH",
                "valid_from": "1988-07-25"}, headers={**admin(tokens),
                                                      "X-Correlation-ID": "register-dh-01"})
        assert response.status_code == 201
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                payloads = (await conn.execute(text("SELECT payload FROM outbox"))).scalars()
                [event] = [Envelope.from_bytes(bytes(p)) for p in payloads]
        finally:
            await engine.dispose()
        assert event.type == REGISTERED
        assert event.data["organisation_id"] == response.json()["id"]
        assert event.correlationid == "register-dh-01"
        [line] = json_log.named("request")
        assert (line["correlation_id"], line["status"]) == ("register-dh-01", 201)


def logged(apply: Handler) -> Handler:
    """`apply`, then a log line of its own, as a handler that reports what it did."""

    async def handler(session: AsyncSession, envelope: Envelope, payload: Any) -> None:
        await apply(session, envelope, payload)
        handler_log.info("directory entry applied", extra={"event_id": envelope.id})

    return handler


def registered(code: str, correlation_id: str) -> Envelope:
    return new_envelope(
        source="/services/identity", type_=REGISTERED, subject=code,
        data={"organisation_id": str(uuid.uuid4()), "code": code, "name": f"Supplier {code}",
              "type": "SUPPLIER", "valid_from": "2007-10-05"},
        correlation_id=correlation_id, time=datetime.now(UTC))


@asynccontextmanager
async def consumer_for(url: str, *, bootstrap: str = "127.0.0.1:9", group: str = "assurance",
                       topics: tuple[str, ...] = ("identity.organisation",),
                       ) -> AsyncIterator[Consumer]:
    """Assurance's directory handler (plus a log line) on a consumer of the database at `url`."""
    handlers = {REGISTERED: logged(directory_handlers(directory)[REGISTERED])}
    config = ConsumerConfig(group_id=group, bootstrap=bootstrap, topics=topics,
                            retry_backoff=0.01)
    engine = create_engine(url)
    try:
        yield Consumer(config, handlers=handlers, sessionmaker=create_sessionmaker(engine),
                       inbox=inbox)
    finally:
        await engine.dispose()


class TestEventLogs:
    async def test_applying_an_event_logs_with_its_correlation_id_and_only_while_applying(
        self, fresh_database: Any, json_log: JsonLog,
    ) -> None:
        configure_logging("assurance", "INFO", json=True)
        json_log.attach()
        event = registered("RDX", "register-rdx-01")
        record = ConsumerRecord("identity.organisation", 0, -1, 7, 0, 0, b"RDX",
                                event.to_bytes(), [], None, 3, -1, -1)
        async with consumer_for(fresh_database("assurance")) as consumer:
            assert await consumer.handle(record) == Outcome.APPLIED
            assert await consumer.handle(record) == Outcome.DUPLICATE  # redelivered
        handler_log.info("between events")

        [applied] = json_log.named("directory entry applied")
        assert (applied["correlation_id"], applied["event_id"]) == ("register-rdx-01", event.id)
        assert applied["service"] == "assurance"
        [skipped] = json_log.named("duplicate event skipped")
        assert (skipped["correlation_id"], skipped["event_id"]) == ("register-rdx-01", event.id)
        [between] = json_log.named("between events")
        assert between["correlation_id"] is None  # the event's id does not leak past it

    @pytest.mark.integration
    async def test_each_event_of_a_group_commit_logs_with_its_own_correlation_id(
        self, fresh_database: Any, kafka: Any, json_log: JsonLog,
    ) -> None:
        url = fresh_database("assurance")
        prefix = f"t{uuid.uuid4().hex[:10]}."
        topic = prefix + "identity.organisation"
        await asyncio.to_thread(ensure_topics, kafka.bootstrap, with_dlqs([topic]),
                                partitions=1, replication=1)
        events = [registered(f"G{i:02d}", f"group-{i:02d}-corr") for i in range(20)]
        assert len(events) >= ConsumerConfig.batch_min  # a run long enough to group-commit
        send_in_order(kafka.bootstrap, topic, [event.to_bytes() for event in events], key=b"k")

        configure_logging("assurance", "INFO", json=True)
        json_log.attach()
        stop = asyncio.Event()
        async with consumer_for(url, bootstrap=kafka.bootstrap, group=prefix + "assurance",
                                topics=(topic,)) as consumer:
            running = asyncio.create_task(consumer.run(stop))
            try:
                await eventually(lambda: _inbox_count(url, 20), timeout=60,
                                 message="the 20 events to be applied")
            finally:
                stop.set()
                await asyncio.wait_for(running, timeout=30)

        logged_ids = {line["event_id"]: line["correlation_id"]
                      for line in json_log.named("directory entry applied")}
        assert logged_ids == {event.id: event.correlationid for event in events}
        assert json_log.named("batch not applied; applying its events one by one") == []


async def _inbox_count(url: str, n: int) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM inbox"))).scalar() == n
    finally:
        await engine.dispose()
