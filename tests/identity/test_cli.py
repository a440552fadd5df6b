"""The identity admin commands, run in-process exactly as `python -m services.identity.cli`."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.identity.audit.models import AuditEvent
from services.identity.cli import COMMANDS, MIGRATIONS
from services.identity.config import Settings
from services.identity.database import outbox
from services.identity.organisation.models import Organisation
from shared.cli import run_cli
from shared.db import create_engine, create_sessionmaker
from tests.identity.helpers import FAST_ARGON2


def settings_at(tmp_path: Path, **overrides: Any) -> Settings:
    """The embedded default: a SQLite file of the service's own."""
    return Settings.model_validate({
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}", "log_json": False,
        **FAST_ARGON2, **overrides})


def cli(settings: Settings, *argv: str) -> None:
    run_cli(settings, migrations=MIGRATIONS, commands=COMMANDS, argv=list(argv))


async def query(settings: Settings, statement: Any) -> list[Any]:
    engine = create_engine(settings.resolved_database_url())
    async with create_sessionmaker(engine)() as session:
        rows = list((await session.execute(statement)).all())
    await engine.dispose()
    return rows


class TestSeed:
    def test_the_first_run_adds_the_164_reference_organisations_the_second_none(
            self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        settings = settings_at(tmp_path)
        cli(settings, "migrate")
        cli(settings, "seed")
        cli(settings, "seed")
        assert capsys.readouterr().out.splitlines() == [
            "identity: migrated to head",
            "identity: seeded 164 organisations",
            "identity: seeded 0 organisations"]
        types = asyncio.run(query(settings, select(Organisation.type)))
        assert Counter(t for (t,) in types) == {"DOH": 1, "NHSCB": 1, "SHA": 10, "PCT": 152}
        events = asyncio.run(query(settings, select(outbox.table.c.type)))
        assert Counter(t for (t,) in events) == {"identity.organisation.registered.v1": 164}


LiveApp = Callable[[str, Any], AbstractAsyncContextManager[Any]]


async def published_kids(client: Any) -> list[str]:
    return sorted(key["kid"] for key in (await client.get("/.well-known/jwks.json")).json()["keys"])


class TestRotateKey:
    async def test_the_new_key_signs_and_the_old_one_stays_published(
            self, tmp_path: Path, capsys: pytest.CaptureFixture[str], live_app: LiveApp) -> None:
        settings = settings_at(tmp_path, signing_key_reload_seconds=0)
        await asyncio.to_thread(cli, settings, "migrate")
        async with live_app("identity", settings) as (app, client):
            (old,) = await published_kids(client)  # the first key, made at start-up
            await asyncio.to_thread(cli, settings, "rotate-key", "--publish-for", "600")
            printed = capsys.readouterr().out.splitlines()[-1]
            new = printed.removeprefix("identity: new signing key ")
            assert await published_kids(client) == sorted([old, new])
            assert app.state.keys.active_kid == new != old
        (audit,) = await query(settings, select(AuditEvent.kind, AuditEvent.actor,
                                                AuditEvent.subject, AuditEvent.details))
        assert audit[:3] == ("key.rotated", "system:cli", new)
        assert audit[3] == {"retired": [old], "published_for_seconds": 600}
