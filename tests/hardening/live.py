"""The services as real uvicorn processes for the hardening suite, and what they need.

Schemathesis drives the APIs synchronously over HTTP, so every service runs in its own process
(nothing shares the suite's event loop or its asyncpg connections). The other services verify
tokens minted by the test `TokenFactory` against a JWKS served from this process
(`shared.testing.tokens.serve_jwks`), as they would against identity's. No broker runs: writes
stay in the outboxes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import requests
from sqlalchemy import text

from shared.db import create_engine
from shared.testing.kafka import free_port
from shared.testing.workers import REPO, service_env

T = TypeVar("T")
DEMO_PASSWORD = "hardening-demo-password"  # a throwaway test password
TOKEN_TTL = 3600
LOG_TAIL_LINES = 80

# Settings per service on top of the common ones (database, no broker, quiet logs).
SETTINGS: dict[str, dict[str, Any]] = {
    "identity": {"demo_password": DEMO_PASSWORD, "access_token_ttl": TOKEN_TTL},
    "assurance": {"gc_freeze_after_startup": False},
    # The FESC framework ran from 2007 to 2010: run the service's clock in June 2009.
    "procurement": {"clock_start": "2009-06-01T09:00:00+00:00"},
    "market": {},
}


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from a sync fixture, on a thread of its own (never the suite's loop)."""

    async def main() -> T:
        return await factory()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def execute(url: str, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """One statement in its own transaction; the rows it returns."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params)
            return [dict(row) for row in result.mappings().all()] if result.returns_rows else []
    finally:
        await engine.dispose()


def cli(service: str, url: str, *args: str) -> str:
    """`python -m services.<service>.cli ARGS` against `url`; its output."""
    env = service_env(service, database_url=url, log_json=False, **SETTINGS[service])
    done = subprocess.run([sys.executable, "-m", f"services.{service}.cli", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{service} cli {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


@dataclass
class LiveApi:
    """One service's API as a uvicorn process, with a bearer header for each caller."""

    service: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    callers: dict[str, dict[str, str]]
    http: requests.Session
    # Path parameter -> the id of a real resource, so that fuzzed bodies and queries also reach
    # the code behind the 404 (tests/hardening/fuzz.py sends each case with and without them).
    known: dict[str, str] = field(default_factory=dict)

    def send(self, caller: str, method: str, path: str, **kwargs: Any) -> Any:
        """A request as `caller` that must succeed; its JSON."""
        answer = self.http.request(method, self.url + path, headers=self.callers[caller],
                                   timeout=60, **kwargs)
        assert answer.ok, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self) -> str:
        return "\n".join(self.log().splitlines()[-LOG_TAIL_LINES:])

    def stop(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_api(service: str, url: str, log_dir: Path, **settings: Any) -> LiveApi:
    """`uvicorn --factory services.<service>.app:create_app` on a free port, once it answers."""
    port = free_port()
    log_path = log_dir / f"{service}-api.log"
    env = service_env(service, database_url=url, kafka_bootstrap_servers="127.0.0.1:9",
                      log_json=False, log_level="WARNING", readiness_timeout=0.5,
                      **SETTINGS[service], **settings)
    argv = [sys.executable, "-m", "uvicorn", "--factory", f"services.{service}.app:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(argv, cwd=REPO, env={**env, "PYTHONUNBUFFERED": "1"},
                                   stdout=log, stderr=subprocess.STDOUT)
    api = LiveApi(service, f"http://127.0.0.1:{port}", process, log_path, {}, requests.Session())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the {service} API exited with {process.returncode}:\n{api.log()}")
        try:
            if httpx.get(f"{api.url}/healthz", timeout=2).status_code == 200:
                return api
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    api.stop()
    raise RuntimeError(f"the {service} API did not start:\n{api.log()}")
