"""Running service workers in tests: in-process tasks, or real processes that can be killed."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from shared.worker import run_worker

REPO = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def running_worker(service: str, settings: Any) -> AsyncIterator[asyncio.Task[None]]:
    """Run `service`'s relay and consumer as a task in this event loop for the block."""
    database = importlib.import_module(f"services.{service}.database")
    try:
        handlers = importlib.import_module(f"services.{service}.handlers").HANDLERS
    except ModuleNotFoundError:
        handlers = {}
    stop = asyncio.Event()
    outbox = database.outbox.table
    task = asyncio.create_task(run_worker(settings, outbox=outbox, inbox=database.inbox,
                                          handlers=handlers, stop=stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)


def service_env(service: str, **settings: Any) -> dict[str, str]:
    """Environment variables that configure `service` (prefix SERVICE_) with `settings`."""
    prefix = service.upper() + "_"
    env = {key: value for key, value in os.environ.items() if not key.startswith(prefix)}
    env.update({prefix + key.upper(): str(value) for key, value in settings.items()})
    env["PYTHONPATH"] = str(REPO)
    return env


class WorkerProcess:
    """`python -m services.<service>.worker` as a real process (for crash and kill tests)."""

    def __init__(self, service: str, env: dict[str, str], log_dir: Path) -> None:
        self.service = service
        self.env = env
        self.log_path = log_dir / f"{service}-worker-{time.monotonic_ns()}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, failpoints: str = "") -> WorkerProcess:
        env = dict(self.env, COMMISSIONING_FAILPOINTS=failpoints)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own module, fixed argv
                [sys.executable, "-m", f"services.{self.service}.worker"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 30) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 60,
                     interval: float = 0.1, message: str = "condition") -> Any:
    """Poll `check` until it returns a truthy value; fail with `message` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")
