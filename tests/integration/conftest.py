"""Integration fixtures: each test gets its own databases and its own topic namespace."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared.testing.plugin import ServiceDatabases, settings_for
from shared.testing.workers import WorkerProcess, service_env


@dataclass
class Stack:
    """Settings for each service, isolated from every other test by database and topic prefix."""

    prefix: str
    bootstrap: str
    urls: dict[str, str]
    log_dir: Path

    def settings(self, service: str, **overrides: Any) -> Any:
        return settings_for(service, **self._values(service), **overrides)

    def worker_process(self, service: str, **overrides: Any) -> WorkerProcess:
        env = service_env(service, **{**self._values(service), **overrides})
        return WorkerProcess(service, env, self.log_dir)

    def _values(self, service: str) -> dict[str, Any]:
        return {
            "database_url": self.urls[service],
            "kafka_bootstrap_servers": self.bootstrap,
            "kafka_topic_prefix": self.prefix,
            "log_json": False,
            "token_issuer": "urn:nhs-commissioning:identity",
            "consumer_retry_backoff": 0.05,
            "relay_poll_interval": 0.01,
        }


@pytest.fixture
def stack(databases: ServiceDatabases, kafka: Any, tmp_path: Path) -> Stack:
    tag = uuid.uuid4().hex[:10]
    urls = {svc: databases.fresh(f"{svc}_{tag}", svc)
            for svc in ("identity", "assurance", "procurement", "market")}
    return Stack(prefix=f"t{tag}.", bootstrap=kafka.bootstrap, urls=urls, log_dir=tmp_path)
