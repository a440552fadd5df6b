"""A contract arriving while DoH opens the next cycle still lands on the new assessment.

Two real PostgreSQL transactions interleave: the consumer's (recording the contract) and the
request's (opening the cycle). Whichever commits first, the other must see its rows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.assurance.cycle.schemas import CycleCreate
from services.assurance.cycle.service import open_cycle
from services.assurance.database import directory
from services.assurance.support.models import ExternalSupport
from services.assurance.support.service import record_contract
from shared.auth import Principal
from shared.db import create_engine, create_sessionmaker
from shared.testing.plugin import ServiceDatabases
from shared.testing.workers import eventually
from tests.assurance.helpers import cycle_body
from tests.assurance.support.test_external_support import awarded

DOH = Principal(subject="user:doh-admin", org_id="org-doh", org_type="DOH",
                roles=frozenset({"doh_admin"}), token_id="t-1", expires_at=2**31)


@pytest.fixture
async def sessions(databases: ServiceDatabases) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(databases.fresh(f"race_{uuid.uuid4().hex[:8]}", "assurance"))
    async with engine.begin() as connection:
        await connection.execute(insert(directory), [
            {"organisation_id": "org-sha-a", "code": "Q31", "name": "SHA A", "type": "SHA",
             "parent_id": None, "valid_from": date(2006, 7, 1), "valid_to": None,
             "updated_at": datetime.now(UTC)},
            {"organisation_id": "org-pct-a1", "code": "5NT", "name": "PCT A1", "type": "PCT",
             "parent_id": "org-sha-a", "valid_from": date(2006, 10, 1), "valid_to": None,
             "updated_at": datetime.now(UTC)}])
    yield create_sessionmaker(engine)
    await engine.dispose()


async def _waiting_on_a_lock(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        waiting = await session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"))
    return bool(waiting)


class TestContractDuringCycleOpening:
    async def test_the_contract_recorded_first_is_attached_by_the_opening_cycle(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        consumer = sessions()
        await record_contract(consumer, awarded("org-pct-a1"))  # no assessment yet: pending

        async def open_the_cycle() -> str:
            async with sessions() as request:
                cycle = await open_cycle(request, CycleCreate.model_validate(cycle_body()), DOH)
                await request.commit()
                return cycle.id

        opening = asyncio.create_task(open_the_cycle())
        try:
            await eventually(lambda: _waiting_on_a_lock(sessions), timeout=20,
                             message="the cycle opening to wait for the consumer's transaction")
            assert not opening.done()
            await consumer.commit()
        finally:
            await consumer.close()
            await asyncio.wait_for(opening, timeout=20)
        async with sessions() as session:
            support = await session.scalar(select(ExternalSupport))
            assert support is not None and support.assessment_id is not None
            pct = await session.scalar(text(
                "SELECT pct_id FROM assessment WHERE id = :id"), {"id": support.assessment_id})
        assert pct == "org-pct-a1"

    async def test_a_contract_arriving_while_the_cycle_opens_waits_and_finds_it(
            self, sessions: async_sessionmaker[AsyncSession]) -> None:
        request = sessions()
        cycle = await open_cycle(request, CycleCreate.model_validate(cycle_body()), DOH)

        async def record() -> None:
            async with sessions() as consumer:
                await record_contract(consumer, awarded("org-pct-a1"))
                await consumer.commit()

        recording = asyncio.create_task(record())
        try:
            await eventually(lambda: _waiting_on_a_lock(sessions), timeout=20,
                             message="the contract to wait for the cycle opening's transaction")
            await request.commit()
        finally:
            await request.close()
            await asyncio.wait_for(recording, timeout=20)
        async with sessions() as session:
            support = await session.scalar(select(ExternalSupport))
            assessment_cycle = await session.scalar(text(
                "SELECT cycle_id FROM assessment WHERE id = :id"),
                {"id": support.assessment_id if support else None})
        assert assessment_cycle == cycle.id
