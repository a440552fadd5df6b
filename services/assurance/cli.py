"""Assurance admin commands: migrate, topics, demo-cycle."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.assurance.config import Settings
from services.assurance.cycle.demo import demo_cycle
from services.assurance.rules.demo import DEFAULT_SEED
from services.assurance.rules.loading import ReferenceDataError
from shared.cli import Command, run_cli
from shared.config import BaseServiceSettings
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.errors import Conflict, RuleViolation

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EMPTY_DIRECTORY = (
    "assurance: the organisation directory holds no PCT for {year}. Load the reference "
    "organisations into identity (python -m services.identity.cli seed) and run the identity "
    "and assurance workers (python -m services.identity.worker, python -m "
    "services.assurance.worker) until assurance has applied identity's organisation events; "
    "then run this command again.")


async def _demo_cycle(settings: BaseServiceSettings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            summary = await demo_cycle(session, args.year, seed=args.seed)
    except ReferenceDataError as exc:
        raise SystemExit(f"assurance: no demo data for {args.year}: {exc}") from None
    except Conflict as exc:
        raise SystemExit(f"assurance: {exc.detail}") from None
    except RuleViolation as exc:
        if "no PCT active" in exc.detail:
            raise SystemExit(EMPTY_DIRECTORY.format(year=args.year)) from None
        raise SystemExit(f"assurance: {exc.detail}") from None
    finally:
        await engine.dispose()
    tiers = ", ".join(f"{tier} {n}" for tier, n in summary.tiers.items())
    print(f"assurance: demo cycle {summary.year} ({summary.cycle_id}) published "
          f"{summary.published} assessments in {summary.seconds:.2f}s; autonomy: {tiers}")


COMMANDS = {
    "demo-cycle": Command(
        "generate and publish a national demo cycle on the directory's PCTs", _demo_cycle,
        (("--year", {"default": "2008/09",
                      "help": "cycle year with published results: 2008/09 or 2009/10 "
                              "(Year 2's are partial; see docs/assurance-rules.md)"}),
         ("--seed", {"type": int, "default": DEFAULT_SEED, "help": "generator seed"}))),
}

if __name__ == "__main__":
    run_cli(Settings(), migrations=MIGRATIONS, commands=COMMANDS)
