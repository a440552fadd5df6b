"""Procurement's 0003 migration on both databases: scrubbed prices, append-only history, schedule.

Migration 0003 removes the evaluation (bid prices and scores) from call-off history written
before it, then makes the history (`change`) and the open-data feed (`ocds_change`) append-only
in the database itself; its downgrade drops the triggers and the supplier schedule columns.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError

from services.procurement.cli import MIGRATIONS
from services.procurement.history.models import Change
from services.procurement.models import metadata
from services.procurement.ocds.models import OcdsChange
from shared.db import create_engine
from shared.migrations import downgrade, upgrade

BEFORE = "0002"
AT = datetime(2008, 6, 17, 10, tzinfo=UTC)
# What 0002-era code wrote when a call-off was awarded: the whole ranking, prices included.
LEAKED_AWARD = [
    {"op": "replace", "path": "/status", "value": "awarded"},
    {"op": "replace", "path": "/evaluation", "value": [
        {"rank": 1, "supplier_id": "FESC01", "price_pence": 24_123_457},
        {"rank": 2, "supplier_id": "FESC03", "price_pence": 30_987_651}]},
    {"op": "replace", "path": "/awarded_supplier_id", "value": "FESC01"},
]
PUBLISHED = [{"op": "add", "path": "/status", "value": "open"},
             {"op": "add", "path": "/evaluation", "value": None}]
REQUEST = [{"op": "add", "path": "/evaluation", "value": "a request field of that name"}]


async def run(url: str, statement: Any) -> str | None:
    """Run `statement` in its own transaction: the database's refusal, or None if it ran."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    except DBAPIError as exc:
        return str(exc.orig)
    finally:
        await engine.dispose()
    return None


async def patches(url: str) -> list[tuple[str, list[dict[str, Any]]]]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = (await conn.execute(select(Change.aggregate, Change.patch)
                                    .order_by(Change.id))).all()
    await engine.dispose()
    return [(aggregate, list(patch)) for aggregate, patch in found]


async def schema(url: str) -> tuple[set[str], list[Any]]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        def read(sync: Any) -> tuple[set[str], list[Any]]:
            columns = {c["name"] for c in inspect(sync).get_columns("supplier")}
            return columns, compare_metadata(MigrationContext.configure(sync), metadata)
        found = await conn.run_sync(read)
    await engine.dispose()
    return found


def history_row(aggregate: str, version: int, patch: list[dict[str, Any]]) -> Any:
    return insert(Change.__table__).values(
        aggregate=aggregate, aggregate_id="c1", version=version, action="x", actor="test",
        actor_org_id=None, at=AT, patch=patch)


async def check_round_trip(url: str) -> None:
    upgrade(MIGRATIONS, url, BEFORE)
    for statement in (history_row("call_off", 1, PUBLISHED),
                      history_row("call_off", 2, LEAKED_AWARD),
                      history_row("request", 1, REQUEST)):
        assert await run(url, statement) is None

    upgrade(MIGRATIONS, url)
    assert await patches(url) == [
        ("call_off", [PUBLISHED[0]]), ("call_off", [LEAKED_AWARD[0], LEAKED_AWARD[2]]),
        ("request", REQUEST)]  # only call-off evaluations are removed
    columns, diff = await schema(url)
    assert {"scheduled_status", "scheduled_reason", "scheduled_on"} <= columns
    assert diff == []  # the models and the migrated database agree
    for statement in (update(Change.__table__).values(actor="someone else"),
                      delete(Change.__table__)):
        refusal = await run(url, statement)
        assert refusal is not None and "change is append-only" in refusal
    assert len(await patches(url)) == 3
    assert await run(url, history_row("call_off", 3, [])) is None  # appending still works

    downgrade(MIGRATIONS, url, BEFORE)  # the triggers and columns go with the revision
    assert await run(url, update(Change.__table__).values(actor="someone else")) is None
    assert await run(url, delete(Change.__table__)) is None
    assert "scheduled_on" not in (await schema(url))[0]
    upgrade(MIGRATIONS, url)  # and come back cleanly
    downgrade(MIGRATIONS, url, "base")


class TestMigration0003:
    async def test_round_trip_on_postgresql(self, postgres: Any) -> None:
        await check_round_trip(postgres.create_database(f"mig_proc_{uuid.uuid4().hex[:8]}"))

    async def test_round_trip_on_sqlite_the_embedded_default(self, tmp_path: Path) -> None:
        await check_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'procurement.db'}")

    @pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
    async def test_the_open_data_feed_is_append_only_too(self, dialect: str, postgres: Any,
                                                         tmp_path: Path) -> None:
        url = (postgres.create_database(f"mig_proc_{uuid.uuid4().hex[:8]}")
               if dialect == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
        upgrade(MIGRATIONS, url)
        feed = OcdsChange.__table__
        assert await run(url, insert(feed).values(call_off_id="c1", record={},
                                                  recorded_at=AT)) is None
        refusal = await run(url, update(feed).values(record={"rewritten": True}))
        assert refusal is not None and "ocds_change is append-only" in refusal
        assert "append-only" in (await run(url, delete(feed)) or "")
