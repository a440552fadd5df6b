"""Identity's migrations: the append-only history triggers come and go with revision 0003."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from services.identity.cli import MIGRATIONS
from services.identity.organisation.models import Organisation, OrganisationChange
from shared.db import create_engine
from shared.migrations import downgrade, upgrade

BEFORE_TRIGGERS = "0002"


async def add_history(url: str) -> None:
    """One organisation with one history entry, committed."""
    now = datetime.now(UTC)
    org_id = str(uuid.uuid4())
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(Organisation).values(
            id=org_id, code=f"T{org_id[:8].upper()}", name="Manchester PCT", type="PCT",
            valid_from=date(2006, 10, 1), version=1, created_at=now, updated_at=now))
        await conn.execute(insert(OrganisationChange).values(
            organisation_id=org_id, version=1, action="registered", actor="test", at=now,
            changes={"name": [None, "Manchester PCT"]}))
    await engine.dispose()


async def attempt(url: str, statement: Any) -> str | None:
    """Run `statement` in its own transaction; the database's refusal, or None if it ran."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    except DBAPIError as exc:
        return str(exc.orig)
    finally:
        await engine.dispose()
    return None


async def history_size(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as conn:
        size = await conn.scalar(select(func.count()).select_from(OrganisationChange))
    await engine.dispose()
    return int(size or 0)


REWRITE = update(OrganisationChange).values(actor="someone else")
ERASE = delete(OrganisationChange)


async def check_round_trip(url: str) -> None:
    upgrade(MIGRATIONS, url)
    await add_history(url)
    for statement in (REWRITE, ERASE):
        refusal = await attempt(url, statement)
        assert refusal is not None and "organisation_change is append-only" in refusal
    assert await history_size(url) == 1

    downgrade(MIGRATIONS, url, BEFORE_TRIGGERS)  # the triggers go with the revision
    assert await attempt(url, REWRITE) is None
    assert await attempt(url, ERASE) is None
    assert await history_size(url) == 0

    upgrade(MIGRATIONS, url)  # and come back (nothing left behind to clash with)
    await add_history(url)
    assert await attempt(url, ERASE) is not None
    downgrade(MIGRATIONS, url, "base")


class TestAppendOnlyMigration:
    async def test_round_trip_on_postgresql(self, postgres: Any) -> None:
        url = postgres.create_database(f"mig_identity_{uuid.uuid4().hex[:8]}")
        await check_round_trip(url)

    async def test_truncate_is_refused_on_postgresql(self, postgres: Any) -> None:
        url = postgres.create_database(f"mig_identity_{uuid.uuid4().hex[:8]}")
        upgrade(MIGRATIONS, url)
        await add_history(url)
        refusal = await attempt(url, text("TRUNCATE organisation_change"))
        assert refusal is not None and "append-only" in refusal
        assert await history_size(url) == 1

    async def test_round_trip_on_sqlite_the_embedded_default(self, tmp_path: Path) -> None:
        await check_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}")

    @pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
    async def test_the_organisation_itself_can_still_change(
            self, dialect: str, postgres: Any, tmp_path: Path) -> None:
        url = (postgres.create_database(f"mig_identity_{uuid.uuid4().hex[:8]}")
               if dialect == "postgresql" else f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
        upgrade(MIGRATIONS, url)
        await add_history(url)
        assert await attempt(url, update(Organisation).values(version=2)) is None
