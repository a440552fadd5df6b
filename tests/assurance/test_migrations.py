"""Assurance's migrations: match the models, apply and revert on both databases.

0003 adds the cycle's reference digests (backfilled for cycles already open) and the triggers
that keep assessment_history append-only; its downgrade removes both.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from services.assurance.cli import MIGRATIONS
from services.assurance.models import metadata
from shared.db import create_engine
from shared.migrations import downgrade, upgrade
from tests.assurance.rules.test_reference_files import PUBLISHED_VERSIONS

TABLES = {"cycle", "assessment", "sub_competency_score", "governance_rating", "outcome_value",
          "panel_member", "calibration_adjustment", "assessment_history", "evidence",
          "evidence_content", "autonomy_decision", "support_need", "external_support"}


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
        url = postgres.create_database(f"mig_assurance_{uuid.uuid4().hex[:8]}")
        upgrade(MIGRATIONS, url)
        tables, diff = await _inspect(url)
        assert tables >= TABLES
        assert diff == []
        downgrade(MIGRATIONS, url, "0001")
        tables, _ = await _inspect(url)
        assert not tables & TABLES

    async def test_sqlite_matches_the_models(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'assurance.db'}"
        upgrade(MIGRATIONS, url)
        tables, diff = await _inspect(url)
        assert tables >= TABLES
        assert diff == []
        downgrade(MIGRATIONS, url, "0001")
        assert not (await _inspect(url))[0] & TABLES


async def _execute(url: str, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def _cycle_and_history(url: str) -> None:
    """A cycle opened before 0003, with one assessment and one history row."""
    day, now = date(2008, 6, 30), datetime.now(UTC)
    await _execute(url, "INSERT INTO cycle (id, year, code, framework_version, "
                        "autonomy_rules_version, opens_on, self_assessment_due, panel_from, "
                        "panel_to, publication_on, created_by, created_at) VALUES ('c1', "
                        "'2008/09', '2008-09', 'wcc-2008-09', 'autonomy-rules-2008-09', :d, :d, "
                        ":d, :d, :d, 'user:doh', :now)", d=day, now=now)
    await _execute(url, "INSERT INTO assessment (id, cycle_id, pct_id, sha_id, "
                        "framework_version, status, in_financial_recovery, created_at, "
                        "updated_at) VALUES ('a1', 'c1', 'pct', 'sha', 'wcc-2008-09', 'draft', "
                        "false, :now, :now)", now=now)
    await _execute(url, "INSERT INTO assessment_history (assessment_id, action, to_status, "
                        "actor, at, details) VALUES ('a1', 'open', 'draft', 'user:doh', :now, "
                        "'{}')", now=now)


async def _check_0003_round_trip(url: str) -> None:
    upgrade(MIGRATIONS, url, "0002")
    await _cycle_and_history(url)
    upgrade(MIGRATIONS, url)
    # The cycle opened before 0003 is frozen against the versions published then.
    assert await _execute(url, "SELECT framework_sha256, autonomy_rules_sha256 FROM cycle") == [
        (PUBLISHED_VERSIONS["frameworks/wcc-2008-09.yaml"],
         PUBLISHED_VERSIONS["autonomy-rules-2008-09.yaml"])]
    for sql in ("UPDATE assessment_history SET actor = 'user:someone-else'",
                "DELETE FROM assessment_history"):
        with pytest.raises(DBAPIError, match="assessment_history is append-only"):
            await _execute(url, sql)
    assert await _execute(url, "SELECT actor FROM assessment_history") == [("user:doh",)]
    downgrade(MIGRATIONS, url, "0002")
    await _execute(url, "UPDATE assessment_history SET reason = 'guard removed'")
    assert await _execute(url, "SELECT reason FROM assessment_history") == [("guard removed",)]
    columns = {c["name"] for c in await _columns(url, "cycle")}
    assert not columns & {"framework_sha256", "autonomy_rules_sha256"}


async def _columns(url: str, table: str) -> list[Any]:
    engine = create_engine(url)
    async with engine.connect() as conn:
        found = await conn.run_sync(lambda sync: inspect(sync).get_columns(table))
    await engine.dispose()
    return list(found)


class TestFrozenCyclesAndAppendOnlyHistory:
    async def test_postgresql(self, postgres: Any) -> None:
        await _check_0003_round_trip(
            postgres.create_database(f"mig_assurance_{uuid.uuid4().hex[:8]}"))

    async def test_sqlite(self, tmp_path: Path) -> None:
        await _check_0003_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'assurance.db'}")
