"""The admin command line every service exposes: `python -m services.<svc>.cli <command>`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.config import BaseServiceSettings
from shared.events.contracts import topics_of
from shared.events.topics import ensure_topics, with_dlqs
from shared.logging import configure_logging
from shared.migrations import upgrade


@dataclass(frozen=True)
class Command:
    help: str
    run: Callable[[BaseServiceSettings, argparse.Namespace], Coroutine[Any, Any, None]]
    arguments: Sequence[tuple[str, dict[str, object]]] = field(default_factory=tuple)


def run_cli(settings: BaseServiceSettings, *, migrations: Path,
            commands: dict[str, Command] | None = None,
            argv: Sequence[str] | None = None) -> None:
    """Parse argv and run one command: `migrate`, `topics`, or a service's own."""
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    parser = argparse.ArgumentParser(prog=f"python -m services.{settings.service_name}.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    sub.add_parser("topics", help="create this service's Kafka topics and their DLQs")
    extra = commands or {}
    for name, command in extra.items():
        parser_ = sub.add_parser(name, help=command.help)
        for flag, options in command.arguments:
            parser_.add_argument(flag, **options)  # type: ignore[arg-type]
    args = parser.parse_args(argv)
    if args.command == "migrate":
        upgrade(migrations, settings.resolved_database_url(), args.revision)
        print(f"{settings.service_name}: migrated to {args.revision}")
    elif args.command == "topics":
        names = with_dlqs(settings.kafka_topic_prefix + topic
                          for topic in topics_of(settings.service_name))
        ensure_topics(settings.kafka_bootstrap_servers, names,
                      partitions=settings.kafka_topic_partitions,
                      replication=settings.kafka_topic_replication)
        print(f"{settings.service_name}: topics ready: {', '.join(names)}")
    else:
        asyncio.run(extra[args.command].run(settings, args))
    sys.stdout.flush()
