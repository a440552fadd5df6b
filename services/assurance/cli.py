"""Assurance admin commands: migrate, topics."""

from __future__ import annotations

from pathlib import Path

from services.assurance.config import Settings
from shared.cli import run_cli

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

if __name__ == "__main__":
    run_cli(Settings(), migrations=MIGRATIONS)
