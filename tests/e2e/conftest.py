"""End-to-end fixtures: the four services as real processes on real PostgreSQL and Kafka.

`platform` (module scope) gives each service a fresh database, migrates and seeds it with the
services' own command lines, then runs every API (uvicorn) and worker (`python -m
services.<svc>.worker`) as a child process, all on one topic prefix of the session's broker.
The other APIs verify tokens against identity's real JWKS. It is ready once identity's
organisation directory has reached every other service. When a test fails, the end of each
process's log is attached to its report; at teardown every process must exit 0 on SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.testing.kafka import free_port
from shared.testing.plugin import SERVICES, ServiceDatabases
from shared.testing.workers import REPO, WorkerProcess, eventually, service_env
from tests.integration.helpers import count

# The journey's steps live beside the test: have pytest explain their failed assertions too.
pytest.register_assert_rewrite("tests.e2e.assurance_steps", "tests.e2e.journey",
                               "tests.e2e.people", "tests.e2e.procurement_steps")

DEMO_PASSWORD = "e2e-demo-password-2009"  # a throwaway test password
PROCUREMENT_CLOCK_START = datetime(2009, 6, 1, 9, 0, tzinfo=UTC)
LOG_TAIL_LINES = 150
START_MARKER = "=== started"
SHUTDOWN_LINES = ("Application shutdown complete", "Finished server process")

# Settings per service on top of the common ones (database, broker, topic prefix, logging).
SETTINGS: dict[str, dict[str, Any]] = {
    "identity": {"demo_password": DEMO_PASSWORD, "login_rate_limit": 10_000,
                 "login_ip_rate_limit": 10_000},
    "assurance": {},
    # The FESC framework ran from 2007 to 2010: the service's clock runs in June 2009.
    "procurement": {"clock_start": PROCUREMENT_CLOCK_START.isoformat()},
    "market": {"simulation_processes": 1, "run_progress_interval": 0.2,
               "run_heartbeat_interval": 0.5, "run_recovery_interval": 1.0,
               "run_pickup_interval": 0.5},
}


class ApiProcess:
    """`uvicorn --factory services.<service>.app:create_app` as a real process on a free port."""

    def __init__(self, service: str, log_dir: Path) -> None:
        self.service = service
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{service}-api.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> ApiProcess:
        argv = [sys.executable, "-m", "uvicorn", "--factory", f"services.{self.service}.app:"
                "create_app", "--host", "127.0.0.1", "--port", str(self.port),
                "--timeout-graceful-shutdown", "20"]
        with self.log_path.open("ab") as log:
            log.write(f"{START_MARKER} {datetime.now(UTC).isoformat()} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def wait_up(self, timeout: float = 120) -> None:
        """Block until GET /healthz answers 200; fail with the log if the process dies."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.service} API exited with "
                                   f"{self.process.returncode}:\n{tail(self.log())}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the {self.service} API did not answer within {timeout}s:\n"
                           f"{tail(self.log())}")

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, then the exit status: 0 once uvicorn completed its graceful shutdown.

        Uvicorn re-raises the SIGTERM it handled after "Application shutdown complete", so a
        clean stop ends with the raw status -SIGTERM; killed after `timeout`, it is -SIGKILL.
        """
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        code = self.process.returncode
        return 0 if code == -signal.SIGTERM and self._shut_down() else code

    def _shut_down(self) -> bool:
        since_start = self.log().rsplit(START_MARKER, 1)[-1]
        return all(line in since_start for line in SHUTDOWN_LINES)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Platform:
    """The four services' APIs and workers, each configured through its environment."""

    prefix: str
    bootstrap: str
    database_urls: dict[str, str]
    log_dir: Path
    apis: dict[str, ApiProcess] = field(init=False)
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    exits: dict[str, int | None] = field(default_factory=dict)
    demo_password: str = DEMO_PASSWORD

    def __post_init__(self) -> None:
        self.apis = {svc: ApiProcess(svc, self.log_dir) for svc in SERVICES}

    def url(self, service: str) -> str:
        return self.apis[service].url

    def env(self, service: str, **overrides: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "database_url": self.database_urls[service],
            "kafka_bootstrap_servers": self.bootstrap, "kafka_topic_prefix": self.prefix,
            "log_json": True, "consumer_retry_backoff": 0.05, "relay_poll_interval": 0.02,
            **SETTINGS[service], **overrides}
        if service != "identity":
            values["identity_url"] = self.url("identity")
        return {**service_env(service, **values), "PYTHONUNBUFFERED": "1"}

    def cli(self, service: str, *args: str) -> str:
        """`python -m services.<service>.cli ARGS` against the service's database; its output."""
        done = subprocess.run(
            [sys.executable, "-m", f"services.{service}.cli", *args], cwd=REPO,
            env=self.env(service), capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"{service} cli {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def start(self) -> None:
        for svc in SERVICES:
            self.workers[svc] = WorkerProcess(svc, self.env(svc), self.log_dir).start()
            self.apis[svc].start(self.env(svc))
        for api in self.apis.values():
            api.wait_up()

    def restart_api(self, service: str, **overrides: Any) -> int | None:
        """Stop the service's API (SIGTERM) and start it again with changed settings; the
        stopped process's exit code."""
        api = self.apis[service]
        code = api.stop()
        api.start(self.env(service, **overrides))
        api.wait_up()
        return code

    def stop(self) -> dict[str, int | None]:
        """SIGTERM every process still running (APIs first); every process's exit code."""
        for svc, api in self.apis.items():
            self.exits.setdefault(f"{svc}-api", api.stop())
        for svc, worker in self.workers.items():
            self.exits.setdefault(f"{svc}-worker", worker.stop())
        return dict(self.exits)

    def logs(self) -> dict[str, str]:
        found = {f"{svc}-api": api.log() for svc, api in self.apis.items()}
        found.update({f"{svc}-worker": worker.log() for svc, worker in self.workers.items()})
        return found

    async def directory_replicated(self) -> bool:
        """Every organisation identity holds is in each other service's directory."""
        registered = await count(self.database_urls["identity"], "organisation")
        copies = [await count(self.database_urls[svc], "organisation_directory")
                  for svc in SERVICES if svc != "identity"]
        return registered > 0 and all(n == registered for n in copies)


def tail(log: str, lines: int = LOG_TAIL_LINES) -> str:
    return "\n".join(log.splitlines()[-lines:])


def prepare(platform: Platform) -> dict[str, str]:
    """Migrate every database and seed identity and procurement with their own CLIs."""
    outputs = {svc: platform.cli(svc, "migrate") for svc in SERVICES}
    outputs["identity seed"] = platform.cli("identity", "seed")
    outputs["identity seed-demo-users"] = platform.cli("identity", "seed-demo-users")
    outputs["procurement seed"] = platform.cli("procurement", "seed")
    return outputs


@pytest.fixture(scope="module")
async def platform(databases: ServiceDatabases, kafka: Any,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:
    """All four services running as processes, with the organisation directory replicated."""
    tag = uuid.uuid4().hex[:10]
    urls = {svc: databases.postgres.create_database(f"e2e_{svc}_{tag}") for svc in SERVICES}
    platform = Platform(prefix=f"e2e{tag}.", bootstrap=kafka.bootstrap, database_urls=urls,
                        log_dir=tmp_path_factory.mktemp("e2e-logs"))
    seeded = prepare(platform)
    assert "identity: seeded" in seeded["identity seed"], seeded
    try:
        platform.start()
        await eventually(platform.directory_replicated, timeout=300, interval=1.0,
                         message="identity's organisations to reach every service's directory")
        yield platform
    finally:
        exits = platform.stop()
    unclean = {name: code for name, code in exits.items() if code != 0}
    assert not unclean, f"processes that did not exit cleanly: {unclean}\n" + "\n".join(
        f"--- {name} ---\n{tail(log)}" for name, log in platform.logs().items()
        if name in unclean)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A failed end-to-end test reports the end of every service process's log."""
    outcome = yield
    report = outcome.get_result()
    found = getattr(item, "funcargs", {}).get("platform")
    if report.failed and isinstance(found, Platform):
        for name, log in found.logs().items():
            report.sections.append((f"{name} log (last {LOG_TAIL_LINES} lines)", tail(log)))
