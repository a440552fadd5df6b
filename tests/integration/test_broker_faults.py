"""The broker killed with SIGKILL mid-stream: every event still arrives once, in order per key."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date
from typing import Any

import pytest

from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate, OrganisationUpdate
from shared.db import create_engine, create_sessionmaker
from shared.testing.workers import eventually
from tests.integration.helpers import count, rows

ORGANISATIONS = 20
UPDATES_EACH = 49  # 20 registrations + 20 x 49 updates = 1,000 events


async def write_stream(url: str, *, per_second: float) -> None:
    """1,000 committed identity writes, interleaved across 20 organisations, at a steady rate."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    ids = []
    for i in range(ORGANISATIONS):
        async with sessions() as session, session.begin():
            org = await organisations.register(session, OrganisationCreate(
                code=f"K{i:03d}", name=f"Supplier {i} v0", type="SUPPLIER",
                valid_from=date(2007, 10, 5)), actor="test")
            ids.append(org.id)
        await asyncio.sleep(1 / per_second)
    for version in range(1, UPDATES_EACH + 1):
        for i, org_id in enumerate(ids):
            async with sessions() as session, session.begin():
                await organisations.update(session, org_id, OrganisationUpdate(
                    name=f"Supplier {i} v{version}"), actor="test")
            await asyncio.sleep(1 / per_second)
    await engine.dispose()


class TestBrokerKilled:
    async def test_all_1000_events_arrive_once_and_in_order_per_key(
        self, stack: Any, kafka: Any,
    ) -> None:
        if not hasattr(kafka, "kill"):
            pytest.fail("this test needs the harness-managed broker; unset KAFKA_BOOTSTRAP_SERVERS")
        relay = stack.worker_process("identity").start()
        consumer = stack.worker_process("assurance").start()
        writer = asyncio.create_task(write_stream(stack.urls["identity"], per_second=250))
        try:
            await eventually(lambda: _at_least(stack.urls["assurance"], 150), timeout=90,
                             message="the stream to be flowing")
            await asyncio.to_thread(kafka.kill)
            await asyncio.sleep(3)  # writes keep landing in the outbox meanwhile
            await asyncio.to_thread(kafka.restart)
            await writer
            await eventually(lambda: _at_least(stack.urls["assurance"], 1000), timeout=180,
                             interval=0.5, message="all 1,000 events to be applied")
        finally:
            writer.cancel()
            relay.stop()
            consumer.stop()

        assert await count(stack.urls["assurance"], "inbox") == 1000
        produced = await rows(stack.urls["identity"],
                              "SELECT id, event_id, key FROM outbox ORDER BY id")
        applied = await rows(stack.urls["assurance"],
                             "SELECT event_id FROM inbox ORDER BY received_at")
        assert len(produced) == 1000
        assert {r["event_id"] for r in applied} == {r["event_id"] for r in produced}
        key_of = {r["event_id"]: r["key"] for r in produced}
        expected: dict[str, list[str]] = defaultdict(list)
        for row in produced:
            expected[row["key"]].append(row["event_id"])
        seen: dict[str, list[str]] = defaultdict(list)
        for row in applied:
            seen[key_of[row["event_id"]]].append(row["event_id"])
        assert seen == expected  # per organisation, applied in the order written
        names = {r["name"] for r in await rows(stack.urls["assurance"],
                                               "SELECT name FROM organisation_directory")}
        assert names == {f"Supplier {i} v{UPDATES_EACH}" for i in range(ORGANISATIONS)}


async def _at_least(url: str, n: int) -> bool:
    return await count(url, "inbox") >= n
