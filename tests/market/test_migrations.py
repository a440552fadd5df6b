"""Market's 0002 migration: matches the models, applies and reverts on both databases."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from services.market.cli import MIGRATIONS
from services.market.models import metadata
from shared.db import create_engine
from shared.migrations import downgrade, upgrade

TABLES = {"run", "run_result", "scenario", "pct_rating", "contract_observation"}


async def _inspect(url: str) -> tuple[set[str], list[Any]]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        def run(sync: Any) -> tuple[set[str], list[Any]]:
            diff = compare_metadata(MigrationContext.configure(sync), metadata)
            return set(inspect(sync).get_table_names()), diff
        found = await conn.run_sync(run)
    await engine.dispose()
    return found


class TestMigration:
    async def test_postgresql_matches_the_models_and_reverts(self, postgres: Any) -> None:
        url = postgres.create_database(f"mig_market_{uuid.uuid4().hex[:8]}")
        upgrade(MIGRATIONS, url)
        tables, diff = await _inspect(url)
        assert tables >= TABLES
        assert diff == []
        downgrade(MIGRATIONS, url, "0001")
        tables, _ = await _inspect(url)
        assert not tables & TABLES

    async def test_sqlite_matches_the_models(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'market.db'}"
        upgrade(MIGRATIONS, url)
        tables, diff = await _inspect(url)
        assert tables >= TABLES
        assert diff == []
        downgrade(MIGRATIONS, url, "0001")
        assert not (await _inspect(url))[0] & TABLES
