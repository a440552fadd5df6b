"""Every service's Alembic history applies and reverts cleanly on PostgreSQL and SQLite."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from shared.db import create_engine
from shared.migrations import downgrade, upgrade
from shared.testing.plugin import SERVICES

EXPECTED = {
    "identity": {"outbox", "inbox", "organisation", "organisation_change", "signing_key"},
    "assurance": {"outbox", "inbox", "organisation_directory"},
    "procurement": {"outbox", "inbox", "organisation_directory"},
    "market": {"outbox", "inbox", "organisation_directory"},
}


async def tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


def migrations(service: str) -> Path:
    return importlib.import_module(f"services.{service}.cli").MIGRATIONS


@pytest.mark.parametrize("service", SERVICES)
class TestMigrations:
    async def test_upgrade_then_downgrade_on_postgresql(self, service: str, postgres: Any) -> None:
        url = postgres.create_database(f"mig_{service}_{uuid.uuid4().hex[:8]}")
        upgrade(migrations(service), url)
        assert await tables(url) >= EXPECTED[service]
        downgrade(migrations(service), url, "base")
        assert await tables(url) == set()

    async def test_upgrade_on_sqlite_the_embedded_default(self, service: str,
                                                          tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / service}.db"
        upgrade(migrations(service), url)
        assert await tables(url) >= EXPECTED[service]
        upgrade(migrations(service), url)  # a second run is a no-op
        assert await tables(url) >= EXPECTED[service]
