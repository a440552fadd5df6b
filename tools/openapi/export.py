"""Writes each service's OpenAPI document to docs/openapi/<service>.json.

    .venv/bin/python tools/openapi/export.py            # (re)write the four files
    .venv/bin/python tools/openapi/export.py --check    # exit 1 if a committed file is stale

Each app is built by its own `create_app` with a throwaway SQLite URL (nothing connects to it:
building the document needs no database, broker or identity service) and the service's own
environment variables ignored, so the output depends on the code alone. `make openapi` runs
this; `make clients` then generates TypeScript types from the files (tools/openapi/package.json).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "openapi"
SERVICES = ("identity", "assurance", "procurement", "market")

if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from fastapi import FastAPI  # noqa: E402


@contextmanager
def built_app(service: str) -> Iterator[FastAPI]:
    """`service`'s app as `create_app` builds it, on a throwaway SQLite URL, its env ignored."""
    prefix = f"{service.upper()}_"
    saved = {k: v for k, v in os.environ.items() if k.startswith(prefix)}
    for key in saved:
        del os.environ[key]
    try:
        config = importlib.import_module(f"services.{service}.config")
        app_module = importlib.import_module(f"services.{service}.app")
        with tempfile.TemporaryDirectory(prefix=f"openapi-{service}-") as tmp:
            settings = config.Settings(database_url=f"sqlite+aiosqlite:///{tmp}/{service}.db",
                                       log_json=False, log_level="WARNING")
            app: FastAPI = app_module.create_app(settings)
            try:
                yield app
            finally:
                app.state.engine.sync_engine.dispose()
    finally:
        os.environ.update(saved)


def spec(service: str) -> dict[str, Any]:
    """The OpenAPI document `service`'s app serves at /openapi.json."""
    with built_app(service) as app:
        return app.openapi()


def render() -> dict[Path, str]:
    """Every file this script writes and its content."""
    return {OUT / f"{service}.json": json.dumps(spec(service), indent=2, ensure_ascii=False) + "\n"
            for service in SERVICES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a committed file differs")
    args = parser.parse_args(argv)
    stale = []
    for path, content in render().items():
        name = path.relative_to(REPO)
        if args.check:
            if not path.exists() or path.read_text() != content:
                stale.append(str(name))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        print(f"wrote {name}")
    if stale:
        print(f"stale: {', '.join(stale)}; run `make openapi` and commit the result",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
