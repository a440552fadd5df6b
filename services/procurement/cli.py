"""Procurement admin commands: migrate, topics, seed (the framework's approved suppliers)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, time
from pathlib import Path

from services.procurement.config import Settings
from services.procurement.reference import effective_framework
from services.procurement.supplier.service import seed as seed_suppliers
from shared.cli import Command, run_cli
from shared.config import BaseServiceSettings
from shared.db import create_engine, create_sessionmaker, session_scope

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def seed(settings: BaseServiceSettings, _args: argparse.Namespace) -> None:
    """Add the framework file's suppliers and link them to the directory by code."""
    assert isinstance(settings, Settings)
    framework = effective_framework(settings)
    engine = create_engine(settings.resolved_database_url())
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            announced = datetime.combine(framework.framework.suppliers_announced_on, time(), UTC)
            added = await seed_suppliers(session, framework, now=announced)
    finally:
        await engine.dispose()
    print(f"procurement: {added} supplier(s) added from fesc-framework-v{framework.version}")


COMMANDS = {"seed": Command("load the framework's approved suppliers", seed)}

if __name__ == "__main__":
    run_cli(Settings(), migrations=MIGRATIONS, commands=COMMANDS)
