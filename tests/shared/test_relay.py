"""The relay's idle polling: each empty poll doubles the wait, a publish resets it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import text

from services.identity.database import outbox
from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate
from shared.db import create_engine, create_sessionmaker
from shared.events import relay as relay_module
from shared.events.envelope import Envelope
from shared.events.relay import Relay
from shared.events.topics import ensure_topics

POLL, CEILING = 0.025, 0.1


def relay_on(url: str, **options: Any) -> Relay:
    return Relay(engine=create_engine(url), outbox=outbox.table, bootstrap="127.0.0.1:9",
                 service="identity", poll_interval=POLL, **options)


class TestIdleSchedule:
    def test_each_empty_poll_doubles_the_wait_up_to_the_ceiling(self) -> None:
        relay = relay_on("sqlite+aiosqlite:///:memory:", max_idle_interval=CEILING)
        waits = [POLL]
        for _ in range(5):
            waits.append(relay.next_idle(waits[-1]))
        assert waits == pytest.approx([0.025, 0.05, 0.1, 0.1, 0.1, 0.1])

    def test_a_ceiling_below_the_poll_interval_means_no_backoff(self) -> None:
        relay = relay_on("sqlite+aiosqlite:///:memory:", max_idle_interval=0.001)
        assert relay.next_idle(POLL) == POLL


def first_record(bootstrap: str, topic: str) -> Any:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=10_000)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return next(iter(consumer), None)
    finally:
        consumer.close()


class TestRelayLoop:
    @pytest.mark.integration
    async def test_waits_grow_while_idle_and_drop_back_after_a_publish(
        self, fresh_database: Any, kafka: Any, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """The real loop against PostgreSQL and the broker; only the clock is replaced."""
        url = fresh_database("identity")
        prefix = f"t{uuid.uuid4().hex[:10]}."
        await asyncio.to_thread(ensure_topics, kafka.bootstrap,
                                [prefix + "identity.organisation"], partitions=1,
                                replication=1)
        relay = Relay(engine=create_engine(url), outbox=outbox.table,
                      bootstrap=kafka.bootstrap, service="identity", poll_interval=POLL,
                      max_idle_interval=CEILING, topic_prefix=prefix)
        stop = asyncio.Event()
        waits: list[float] = []

        async def register() -> None:
            engine = create_engine(url)
            async with create_sessionmaker(engine)() as session, session.begin():
                await organisations.register(session, OrganisationCreate(
                    code="RDX", name="Supplier RDX", type="SUPPLIER",
                    valid_from=date(2007, 10, 5)), actor="test")
            await engine.dispose()

        async def recorded_wait(_stop: asyncio.Event, seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 4:
                await register()  # one event is committed during the fourth idle wait
            if len(waits) == 8:
                stop.set()

        monkeypatch.setattr(relay_module, "_sleep_or_stop", recorded_wait)
        try:
            await asyncio.wait_for(relay.run(stop), timeout=60)
        finally:
            await relay.engine.dispose()

        assert waits == pytest.approx([0.05, 0.1, 0.1, 0.1,    # idle: doubling, then capped
                                       POLL, 0.05, 0.1, 0.1])   # published: back to the start
        engine = create_engine(url)
        async with engine.connect() as conn:
            unpublished = (await conn.execute(text(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL"))).scalar()
        await engine.dispose()
        assert unpublished == 0
        record = await asyncio.to_thread(first_record, kafka.bootstrap,
                                         prefix + "identity.organisation")
        assert record is not None
        assert Envelope.from_bytes(record.value).data["code"] == "RDX"
