"""Identity admin commands: migrate, topics, seed, seed-demo-users, rotate-key."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from services.identity.config import DEFAULT_DEMO_PASSWORD, Settings
from services.identity.organisation.seed import seed_reference_organisations
from services.identity.token.keys import rotate_key
from services.identity.user.passwords import Passwords
from services.identity.user.seed import seed_demo_users
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


async def _seed_demo_users(settings: BaseServiceSettings, _args: argparse.Namespace) -> None:
    assert isinstance(settings, Settings)
    password = settings.demo_password.get_secret_value()
    if settings.environment == "production" and password == DEFAULT_DEMO_PASSWORD:
        raise SystemExit("identity: refusing the default demo password in production; "
                         "set IDENTITY_DEMO_PASSWORD")
    engine = create_engine(settings.resolved_database_url())
    async with session_scope(create_sessionmaker(engine)) as session:
        users = await seed_demo_users(session, password=password,
                                      passwords=Passwords.from_settings(settings))
    await engine.dispose()
    shown = ("from IDENTITY_DEMO_PASSWORD" if password != DEFAULT_DEMO_PASSWORD
             else f"{DEFAULT_DEMO_PASSWORD} (dev-only default; set IDENTITY_DEMO_PASSWORD)")
    print(f"identity: demo users, password {shown}")
    for user in users:
        state = "created" if user.created else "exists"
        print(f"  {user.username:<18} {user.organisation:<7} {','.join(user.roles):<22} {state}")


async def _rotate(settings: BaseServiceSettings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.resolved_database_url())
    async with session_scope(create_sessionmaker(engine)) as session:
        key = await rotate_key(session, publish_for=timedelta(seconds=args.publish_for),
                               actor="system:cli")
    await engine.dispose()
    print(f"identity: new signing key {key.kid}")


COMMANDS = {
    "seed": Command("load reference organisations (idempotent)", _seed),
    "seed-demo-users": Command(
        "create the demo users and supplier for make run (development only; idempotent)",
        _seed_demo_users),
    "rotate-key": Command(
        "make a new signing key active; the old one stays published", _rotate,
        (("--publish-for", {"type": int, "default": 3600,
                            "help": "seconds the old public key stays in the JWKS"}),)),
}

if __name__ == "__main__":
    run_cli(Settings(), migrations=MIGRATIONS, commands=COMMANDS)
