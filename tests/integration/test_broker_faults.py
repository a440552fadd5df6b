"""The broker killed with SIGKILL mid-stream: every event still arrives once, in order per key."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest

from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate, OrganisationUpdate
from shared.db import create_engine, create_sessionmaker
from shared.testing.workers import eventually
from tests.integration.helpers import assert_applied_exactly_once, count, rows

ORGANISATIONS = 20
UPDATES_EACH = 49  # 20 registrations + 20 x 49 updates = 1,000 events


async def write_stream(url: str, *, per_second: float, pause_after: int,
                       resume: asyncio.Event) -> None:
    """1,000 committed identity writes, interleaved across 20 organisations, at a steady rate.

    After `pause_after` writes the stream waits for `resume`, so the broker is killed while
    the stream is still going: the rest is written while the broker is down or restarting.
    """
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    written = 0

    async def pace() -> None:
        nonlocal written
        written += 1
        if written == pause_after:
            await resume.wait()
        await asyncio.sleep(1 / per_second)

    ids = []
    for i in range(ORGANISATIONS):
        async with sessions() as session, session.begin():
            org = await organisations.register(session, OrganisationCreate(
                code=f"K{i:03d}", name=f"Supplier {i} v0", type="SUPPLIER",
                valid_from=date(2007, 10, 5)), actor="test")
            ids.append(org.id)
        await pace()
    for version in range(1, UPDATES_EACH + 1):
        for i, org_id in enumerate(ids):
            async with sessions() as session, session.begin():
                await organisations.update(session, org_id, OrganisationUpdate(
                    name=f"Supplier {i} v{version}"), actor="test")
            await pace()
    await engine.dispose()


class TestBrokerKilled:
    async def test_all_1000_events_arrive_once_and_in_order_per_key(
        self, stack: Any, kafka: Any,
    ) -> None:
        if not hasattr(kafka, "kill"):
            pytest.fail("this test needs the harness-managed broker; unset KAFKA_BOOTSTRAP_SERVERS")
        identity, assurance = stack.urls["identity"], stack.urls["assurance"]
        relay = stack.worker_process("identity").start()
        consumer = stack.worker_process("assurance").start()
        killed = asyncio.Event()
        writer = asyncio.create_task(write_stream(identity, per_second=250, pause_after=500,
                                                  resume=killed))
        try:
            await eventually(lambda: _at_least(assurance, 150), timeout=90,
                             message="the stream to be flowing")
            await asyncio.to_thread(kafka.kill)
            written_at_kill = await count(identity, "outbox")
            applied_at_kill = await count(assurance, "inbox")
            killed.set()
            await asyncio.sleep(3)  # writes keep landing in the outbox meanwhile
            stranded = await count(identity, "outbox WHERE published_at IS NULL")
            await asyncio.to_thread(kafka.restart)
            await writer
            await eventually(lambda: _at_least(assurance, 1000), timeout=180,
                             interval=0.5, message="all 1,000 events to be applied")
        finally:
            writer.cancel()
            relay.stop()
            consumer.stop()

        # The kill landed mid-stream: events had flowed, more were still to be written, and
        # events committed during the outage sat unpublished in the outbox until the restart.
        assert 150 <= applied_at_kill <= written_at_kill < 1000
        assert 0 < stranded < 1000
        assert await count(stack.urls["assurance"], "inbox") == 1000
        # Per organisation, applied in the order written.
        await assert_applied_exactly_once(stack.urls["identity"], stack.urls["assurance"],
                                          expected=1000)
        names = {r["name"] for r in await rows(stack.urls["assurance"],
                                               "SELECT name FROM organisation_directory")}
        assert names == {f"Supplier {i} v{UPDATES_EACH}" for i in range(ORGANISATIONS)}


async def _at_least(url: str, n: int) -> bool:
    return await count(url, "inbox") >= n
