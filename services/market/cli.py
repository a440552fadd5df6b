"""Market admin commands: migrate, topics, calibrate."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from services.market.calibration.service import describe
from services.market.config import Settings
from services.market.simulation import calibrate, load_history, load_scenario, score
from shared.cli import Command, run_cli
from shared.config import BaseServiceSettings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


async def calibration_search(_settings: BaseServiceSettings, args: argparse.Namespace) -> None:
    """Search the scenario's calibrated parameters against history and print what it found."""
    if args.budget < 1 or args.replications < 1:
        raise SystemExit("--budget and --replications must be at least 1")
    scenario, history = load_scenario(args.scenario), load_history()
    report = await asyncio.to_thread(calibrate, scenario, history, budget=args.budget,
                                     replications=args.replications, master_seed=args.seed)
    best = await asyncio.to_thread(score, report.scenario, history,
                                   replications=args.replications, master_seed=args.seed)
    print(describe(report, best))


COMMANDS = {"calibrate": Command(
    "search calibrated parameters against reference/calibration/history.yaml",
    calibration_search, arguments=(
        ("--budget", {"type": int, "default": 40, "help": "scored candidates (default 40)"}),
        ("--scenario", {"default": "historical", "help": "built-in scenario to start from"}),
        ("--replications", {"type": int, "default": 8, "help": "per candidate (default 8)"}),
        ("--seed", {"type": int, "default": 0, "help": "master seed (default 0)"}),
    ))}

if __name__ == "__main__":
    run_cli(Settings(), migrations=MIGRATIONS, commands=COMMANDS)
