"""Identity admin commands: migrate, topics, seed, rotate-key."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from services.identity.config import Settings
from services.identity.organisation.seed import seed_reference_organisations
from services.identity.token.keys import rotate
from shared.cli import Command, run_cli
from shared.config import BaseServiceSettings
from shared.db import create_engine, create_sessionmaker, session_scope

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def _seed(settings: BaseServiceSettings, _args: argparse.Namespace) -> None:
    engine = create_engine(settings.resolved_database_url())
    async with session_scope(create_sessionmaker(engine)) as session:
        added = await seed_reference_organisations(session)
    await engine.dispose()
    print(f"identity: seeded {added} organisations")


async def _rotate(settings: BaseServiceSettings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.resolved_database_url())
    async with session_scope(create_sessionmaker(engine)) as session:
        key = await rotate(session, publish_for=timedelta(seconds=args.publish_for))
    await engine.dispose()
    print(f"identity: new signing key {key.kid}")


COMMANDS = {
    "seed": Command("load reference organisations (idempotent)", _seed),
    "rotate-key": Command(
        "make a new signing key active; the old one stays published", _rotate,
        (("--publish-for", {"type": int, "default": 3600,
                            "help": "seconds the old public key stays in the JWKS"}),)),
}

if __name__ == "__main__":
    run_cli(Settings(), migrations=MIGRATIONS, commands=COMMANDS)
