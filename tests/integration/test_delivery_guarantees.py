"""Exactly-once effect across crashes: relay, consumer, and broker faults, with real processes."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

import pytest

from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate, OrganisationUpdate
from shared.db import create_engine, create_sessionmaker
from shared.events.consumer import ConsumerConfig
from shared.testing.workers import eventually, running_worker
from tests.integration.helpers import committed_offsets, count, read_topic, rows

FAILPOINT_EXIT = 86


async def register_suppliers(url: str, n: int, *, start: int = 0) -> list[str]:
    """Register `n` supplier organisations in identity, one transaction each."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    ids = []
    for i in range(start, start + n):
        async with sessions() as session, session.begin():
            org = await organisations.register(session, OrganisationCreate(
                code=f"S{i:04d}", name=f"Supplier {i}", type="SUPPLIER",
                valid_from=date(2007, 10, 5)), actor="test")
            ids.append(org.id)
    await engine.dispose()
    return ids


async def rename(url: str, organisation_id: str, *, times: int) -> None:
    """Rename one organisation `times` times, one transaction (and one event) each."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    for version in range(1, times + 1):
        async with sessions() as session, session.begin():
            await organisations.update(session, organisation_id, OrganisationUpdate(
                name=f"Supplier v{version}"), actor="test")
    await engine.dispose()


async def offsets_total(stack: Any, group: str) -> int:
    found = await asyncio.to_thread(committed_offsets, stack.bootstrap, stack.prefix + group,
                                    stack.prefix + "identity.organisation")
    return sum(v or 0 for v in found.values())


class TestRelayCrash:
    async def test_a_relay_dying_between_publish_and_mark_publishes_twice_but_applies_once(
        self, stack: Any,
    ) -> None:
        await register_suppliers(stack.urls["identity"], 50)

        crashing = stack.worker_process("identity").start(failpoints="relay.after_publish")
        assert await asyncio.to_thread(crashing.wait, 60) == FAILPOINT_EXIT, crashing.log()
        assert await count(stack.urls["identity"], "outbox WHERE published_at IS NULL") == 50

        async with running_worker("identity", stack.settings("identity")), \
                running_worker("assurance", stack.settings("assurance")):
            await eventually(lambda: offsets_total(stack, "assurance"), timeout=60)
            await eventually(lambda: _equals(offsets_total(stack, "assurance"), 100),
                             timeout=60, message="assurance to consume all 100 records")

        published = read_topic(stack.bootstrap, stack.prefix + "identity.organisation",
                               expected=100)
        assert len(published) == 100  # every event really went out twice
        assert len({r.value for r in published}) == 50
        assert await count(stack.urls["identity"], "outbox WHERE published_at IS NULL") == 0
        assert await count(stack.urls["assurance"], "inbox") == 50
        assert await count(stack.urls["assurance"], "organisation_directory") == 50


class TestConsumerCrash:
    async def test_an_event_applied_before_the_offset_commit_is_skipped_on_redelivery(
        self, stack: Any, caplog: pytest.LogCaptureFixture,
    ) -> None:
        await register_suppliers(stack.urls["identity"], 10)
        async with running_worker("identity", stack.settings("identity")):
            await eventually(lambda: _equals(
                count(stack.urls["identity"], "outbox WHERE published_at IS NULL"), 0),
                message="identity to publish")

        crashing = stack.worker_process("assurance").start(failpoints="consumer.after_apply")
        assert await asyncio.to_thread(crashing.wait, 90) == FAILPOINT_EXIT, crashing.log()
        applied = await rows(stack.urls["assurance"], "SELECT event_id FROM inbox")
        assert len(applied) == 1
        assert await offsets_total(stack, "assurance") == 0  # nothing was committed

        caplog.set_level(logging.INFO, logger="shared.events.consumer")
        async with running_worker("assurance", stack.settings("assurance")):
            await eventually(lambda: _equals(offsets_total(stack, "assurance"), 10),
                             timeout=60, message="assurance to commit all 10 offsets")
        skipped = [r.event_id for r in caplog.records if r.getMessage() ==
                   "duplicate event skipped"]
        assert skipped == [applied[0]["event_id"]]
        assert await count(stack.urls["assurance"], "inbox") == 10
        assert await count(stack.urls["assurance"], "organisation_directory") == 10

    async def test_a_group_commit_before_the_offset_commit_is_skipped_on_redelivery(
        self, stack: Any, caplog: pytest.LogCaptureFixture,
    ) -> None:
        # One organisation registered, then renamed 59 times: 60 events with one key, so one
        # partition, and far more than batch_min: the consumer applies them as a group commit.
        [organisation_id] = await register_suppliers(stack.urls["identity"], 1)
        await rename(stack.urls["identity"], organisation_id, times=59)
        async with running_worker("identity", stack.settings("identity")):
            await eventually(lambda: _equals(
                count(stack.urls["identity"], "outbox WHERE published_at IS NULL"), 0),
                message="identity to publish")

        crashing = stack.worker_process("assurance").start(failpoints="consumer.after_apply")
        assert await asyncio.to_thread(crashing.wait, 90) == FAILPOINT_EXIT, crashing.log()
        applied = {r["event_id"] for r in await rows(stack.urls["assurance"],
                                                      "SELECT event_id FROM inbox")}
        # The one-event path dies after its first event; this crash came after a whole batch.
        assert len(applied) >= ConsumerConfig.batch_min
        assert await offsets_total(stack, "assurance") == 0  # nothing was committed

        caplog.set_level(logging.INFO, logger="shared.events.consumer")
        async with running_worker("assurance", stack.settings("assurance")):
            await eventually(lambda: _equals(offsets_total(stack, "assurance"), 60),
                             timeout=60, message="assurance to commit all 60 offsets")
        skipped = [r.event_id for r in caplog.records if r.getMessage() ==
                   "duplicate event skipped"]
        assert sorted(skipped) == sorted(applied)  # each redelivered event skipped once

        produced = await rows(stack.urls["identity"], "SELECT event_id FROM outbox ORDER BY id")
        in_order = await rows(stack.urls["assurance"],
                              "SELECT event_id FROM inbox ORDER BY received_at")
        assert [r["event_id"] for r in in_order] == [r["event_id"] for r in produced]
        directory = await rows(stack.urls["assurance"],
                               "SELECT organisation_id, name FROM organisation_directory")
        assert directory == [{"organisation_id": organisation_id, "name": "Supplier v59"}]


class TestGracefulShutdown:
    async def test_sigterm_lets_the_worker_finish_commit_and_exit_zero(self, stack: Any) -> None:
        await register_suppliers(stack.urls["identity"], 20)
        relay = stack.worker_process("identity").start()
        consumer = stack.worker_process("assurance").start()
        try:
            await eventually(lambda: _equals(count(stack.urls["assurance"], "inbox"), 20),
                             timeout=60, message="assurance to apply 20 events")
        finally:
            assert relay.stop() == 0, relay.log()
            assert consumer.stop() == 0, consumer.log()
        assert await offsets_total(stack, "assurance") == 20
        assert await count(stack.urls["identity"], "outbox WHERE published_at IS NULL") == 0
        assert "worker stopped" in consumer.log()


async def _equals(value: Any, expected: int) -> bool:
    return (await value) == expected
