"""Liveness and readiness probes, against the real PostgreSQL and the real Kafka broker."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.plugin import ServiceDatabases, settings_for

PROBLEM = "application/problem+json"
UNREACHABLE = "127.0.0.1:9"  # the discard port: nothing listens there


def assurance(database_url: str, bootstrap: str) -> Any:
    return settings_for("assurance", database_url=database_url,
                        kafka_bootstrap_servers=bootstrap, log_json=False,
                        gc_freeze_after_startup=False, readiness_timeout=5.0)


class TestLiveness:
    async def test_healthz_is_200_even_with_the_broker_and_database_unreachable(
        self, live_app: Any,
    ) -> None:
        settings = assurance(f"postgresql+asyncpg://nobody:pw@{UNREACHABLE}/assurance",
                             UNREACHABLE)
        async with live_app("assurance", settings) as (_app, client):
            response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestReadiness:
    @pytest.mark.integration
    async def test_ready_when_the_database_and_the_broker_answer(
        self, live_app: Any, databases: ServiceDatabases, kafka: Any,
    ) -> None:
        settings = assurance(databases.url("assurance"), kafka.bootstrap)
        async with live_app("assurance", settings) as (_app, client):
            response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ready",
                                   "checks": {"database": "ok", "kafka": "ok"}}

    async def test_503_problem_json_naming_kafka_when_the_broker_is_unreachable(
        self, live_app: Any, databases: ServiceDatabases,
    ) -> None:
        settings = assurance(databases.url("assurance"), UNREACHABLE)
        async with live_app("assurance", settings) as (_app, client):
            response = await client.get("/readyz", headers={"X-Correlation-ID": "ready-0001"})
            alive = await client.get("/healthz")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["type"].endswith("/not-ready") and body["status"] == 503
        assert body["checks"] == {"database": "ok", "kafka": "error: ConnectionError"}
        assert body["correlation_id"] == "ready-0001"
        assert alive.status_code == 200  # not ready is not dead: no restart for a broker outage

    @pytest.mark.integration
    async def test_503_problem_json_naming_the_database_when_it_is_unreachable(
        self, live_app: Any, kafka: Any,
    ) -> None:
        settings = assurance(f"postgresql+asyncpg://nobody:s3cret@{UNREACHABLE}/assurance",
                             kafka.bootstrap)
        async with live_app("assurance", settings) as (_app, client):
            response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        checks = response.json()["checks"]
        assert checks["kafka"] == "ok"
        assert checks["database"].startswith("error: ")
        assert "s3cret" not in response.text and "nobody" not in response.text
