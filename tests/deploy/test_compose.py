"""docker-compose.yml and deploy/Dockerfile, checked without a Docker engine.

The file is read with PyYAML (which resolves anchors and merge keys as Compose does) and
`${VAR:-default}` is interpolated with an empty environment, i.e. the local defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"
WORKER_HEALTH_ADR = ROOT / "docs" / "adr" / "0010-worker-health.md"
SERVICES = ("identity", "assurance", "procurement", "market")
API_HOST_PORTS = {"identity": 8001, "assurance": 8002, "procurement": 8003, "market": 8004}
APP_CONTAINERS = [f"{svc}-{role}" for svc in SERVICES for role in ("api", "worker")]
READY = {
    "migrate": "service_completed_successfully",
    "kafka": "service_healthy",
    "postgres": "service_healthy",
}
_VARIABLE = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}"
)


def interpolate(value: object, env: Mapping[str, str] | None = None) -> str:
    """Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, $$."""
    env = env or {}

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group("name", "op", "default")
        if name in env and (env[name] or op != ":-"):
            return env[name]
        return default or ""

    return _VARIABLE.sub(substitute, str(value))


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def env_of(service: Mapping[str, Any], env: Mapping[str, str] | None = None) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(value, env) for key, value in raw.items()}


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def published_ports(service: Mapping[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) pairs, from short or long port syntax."""
    pairs = []
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            pairs.append((int(interpolate(entry["published"])), int(entry["target"])))
        else:
            *_, host, container = interpolate(entry).split(":")
            pairs.append((int(host), int(container.split("/")[0])))
    return pairs


def healthcheck_text(service: Mapping[str, Any]) -> str:
    check = service.get("healthcheck") or {}
    assert not check.get("disable"), "healthcheck is disabled"
    test = check.get("test")
    assert test, "no healthcheck test"
    return " ".join(test) if isinstance(test, list) else str(test)


class TestTopology:
    def test_exactly_the_infrastructure_migrate_job_and_four_api_worker_pairs(
        self, services: dict[str, Any]
    ) -> None:
        assert set(services) == {"kafka", "postgres", "migrate", *APP_CONTAINERS}

    def test_kafka_is_a_single_kraft_node_of_apache_kafka_4_1_or_newer(
        self, services: dict[str, Any]
    ) -> None:
        kafka = services["kafka"]
        image, tag = interpolate(kafka["image"]).split(":")
        assert image == "apache/kafka"
        assert tuple(int(part) for part in tag.split(".")[:3]) >= (4, 1, 0)
        env = env_of(kafka)
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert "zookeeper" not in " ".join(env).lower()
        # The platform creates topics explicitly; an auto-created topic hides a typo.
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"

    def test_postgres_16_is_the_database_server(self, services: dict[str, Any]) -> None:
        assert interpolate(services["postgres"]["image"]).split(":") == ["postgres", "16"]


class TestHealth:
    @pytest.mark.parametrize("svc", SERVICES)
    def test_each_api_probes_its_healthz(self, services: dict[str, Any], svc: str) -> None:
        check = healthcheck_text(services[f"{svc}-api"])
        assert "/healthz" in check
        assert ":8000" in check

    def test_kafka_probes_the_broker_api(self, services: dict[str, Any]) -> None:
        check = healthcheck_text(services["kafka"])
        assert re.search(r"/opt/kafka/bin/kafka-(broker-api-versions|topics)\.sh", check)
        assert "9092" in check

    def test_postgres_probes_with_pg_isready_over_tcp(self, services: dict[str, Any]) -> None:
        # Over TCP: the image's init-time server listens on the socket only, so a socket probe
        # would report ready before the init SQL has created the databases.
        check = healthcheck_text(services["postgres"])
        assert "pg_isready" in check
        assert "-h 127.0.0.1" in check or "-h localhost" in check


class TestWorkerHealth:
    """Workers serve no API (metrics only): no healthcheck, restart on exit (ADR 0010)."""

    @pytest.mark.parametrize("svc", SERVICES)
    def test_workers_turn_off_the_images_http_probe(
        self, services: dict[str, Any], svc: str
    ) -> None:
        # The Dockerfile's HEALTHCHECK (TestImage) asks :8000/healthz, which a worker never
        # answers: inherited, it would mark every worker unhealthy.
        assert services[f"{svc}-worker"]["healthcheck"] == {"disable": True}

    @pytest.mark.parametrize("svc", SERVICES)
    def test_a_worker_that_exits_is_restarted(self, services: dict[str, Any], svc: str) -> None:
        assert services[f"{svc}-worker"]["restart"] in ("unless-stopped", "always", "on-failure")

    def test_nothing_waits_for_a_worker_to_become_healthy(
        self, services: dict[str, Any]
    ) -> None:
        # A worker never reports healthy, so such a dependency would block start-up for ever.
        waits = [
            (name, dependency)
            for name, service in services.items()
            for dependency, spec in dict(service.get("depends_on") or {}).items()
            if dependency.endswith("-worker") and (spec or {}).get("condition") == "service_healthy"
        ]
        assert waits == []

    def test_the_compose_file_points_to_the_decision(self) -> None:
        assert WORKER_HEALTH_ADR.is_file()
        assert "docs/adr/0010-worker-health.md" in COMPOSE.read_text()
        assert "Status: accepted" in WORKER_HEALTH_ADR.read_text()


class TestStartupOrder:
    @pytest.mark.parametrize("container", APP_CONTAINERS)
    def test_apps_wait_for_migrations_kafka_and_postgres(
        self, services: dict[str, Any], container: str
    ) -> None:
        depends = services[container]["depends_on"]
        assert {name: spec["condition"] for name, spec in depends.items()} == READY

    def test_migrate_is_a_one_shot_job_after_postgres(self, services: dict[str, Any]) -> None:
        migrate = services["migrate"]
        assert migrate["restart"] == "no"
        depends = migrate["depends_on"]
        assert {name: spec["condition"] for name, spec in depends.items()} == {
            "postgres": "service_healthy"
        }

    def test_migrate_runs_every_service_migration_in_turn_and_stops_at_a_failure(
        self, services: dict[str, Any]
    ) -> None:
        script = " ".join(command_of(services["migrate"]))
        steps = re.findall(r"python -m services\.(\w+)\.cli migrate", script)
        assert steps == list(SERVICES)
        assert script.count("&&") == len(SERVICES) - 1


class TestWiring:
    @pytest.mark.parametrize(
        ("container", "svc"),
        [(name, name.split("-")[0]) for name in APP_CONTAINERS]
        + [("migrate", s) for s in SERVICES],
    )
    def test_database_url_names_the_services_own_database(
        self, services: dict[str, Any], container: str, svc: str
    ) -> None:
        url = make_url(env_of(services[container])[f"{svc.upper()}_DATABASE_URL"])
        postgres = env_of(services["postgres"])
        assert url.drivername == "postgresql+asyncpg"
        assert (url.host, url.port, url.database) == ("postgres", 5432, svc)
        assert (url.username, url.password) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
        )

    @pytest.mark.parametrize("container", APP_CONTAINERS)
    def test_containers_only_get_their_own_services_settings(
        self, services: dict[str, Any], container: str
    ) -> None:
        prefix = container.split("-")[0].upper() + "_"
        env = env_of(services[container])
        assert env, "no environment"
        assert [key for key in env if not key.startswith(prefix)] == []

    @pytest.mark.parametrize("container", APP_CONTAINERS)
    def test_kafka_bootstrap_is_the_advertised_in_network_listener(
        self, services: dict[str, Any], container: str
    ) -> None:
        prefix = container.split("-")[0].upper()
        bootstrap = env_of(services[container])[f"{prefix}_KAFKA_BOOTSTRAP_SERVERS"]
        assert bootstrap == "kafka:9092"
        advertised = env_of(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"].split(",")
        assert any(listener.endswith(f"//{bootstrap}") for listener in advertised)

    @pytest.mark.parametrize("svc", ["assurance", "procurement", "market"])
    @pytest.mark.parametrize("role", ["api", "worker"])
    def test_other_services_find_identity_in_the_network(
        self, services: dict[str, Any], svc: str, role: str
    ) -> None:
        env = env_of(services[f"{svc}-{role}"])
        assert env[f"{svc.upper()}_IDENTITY_URL"] == "http://identity-api:8000"

    def test_credentials_come_from_the_environment(self, services: dict[str, Any]) -> None:
        override = {"POSTGRES_USER": "ops", "POSTGRES_PASSWORD": "s3cret"}
        postgres = env_of(services["postgres"], override)
        assert (postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"]) == ("ops", "s3cret")
        for container in [*APP_CONTAINERS, "migrate"]:
            for key, value in env_of(services[container], override).items():
                if key.endswith("_DATABASE_URL"):
                    url = make_url(value)
                    assert (url.username, url.password) == ("ops", "s3cret"), (container, key)


class TestInitSql:
    def test_creates_exactly_one_database_per_service(self) -> None:
        sql = re.sub(r"--[^\n]*", "", INIT_SQL.read_text())
        created = re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", sql, flags=re.IGNORECASE)
        assert sorted(created) == sorted(SERVICES)

    def test_is_mounted_into_the_postgres_init_directory(self, services: dict[str, Any]) -> None:
        mounts = [str(volume).split(":") for volume in services["postgres"]["volumes"]]
        assert any(
            (ROOT / source).resolve() == INIT_SQL.resolve()
            and target.startswith("/docker-entrypoint-initdb.d/")
            for source, target, *_ in mounts
        )


class TestPorts:
    @pytest.mark.parametrize("svc", SERVICES)
    def test_api_published_on_its_host_port(self, services: dict[str, Any], svc: str) -> None:
        assert published_ports(services[f"{svc}-api"]) == [(API_HOST_PORTS[svc], 8000)]

    def test_workers_and_migrate_publish_nothing(self, services: dict[str, Any]) -> None:
        for container in [f"{svc}-worker" for svc in SERVICES] + ["migrate"]:
            assert published_ports(services[container]) == [], container

    def test_host_ports_are_unique(self, services: dict[str, Any]) -> None:
        hosts = [host for svc in services.values() for host, _ in published_ports(svc)]
        assert len(hosts) == len(set(hosts))


class TestImage:
    def test_every_app_container_runs_the_one_image_built_from_the_dockerfile(
        self, services: dict[str, Any]
    ) -> None:
        apps = [services[name] for name in [*APP_CONTAINERS, "migrate"]]
        assert len({interpolate(app["image"]) for app in apps}) == 1
        for app in apps:
            build = app["build"]
            assert (ROOT / build["context"] / build["dockerfile"]).resolve() == (
                ROOT / "deploy" / "Dockerfile"
            )

    def test_dockerfile_installs_the_project_on_python_3_11_slim_as_non_root(self) -> None:
        dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
        assert "python:3.11-slim" in dockerfile
        assert len(re.findall(r"^FROM\s", dockerfile, flags=re.MULTILINE)) >= 2  # multi-stage
        assert re.search(r"pip install (--no-deps )?\.", dockerfile)
        users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
        assert users
        assert users[-1].split(":")[0] not in ("root", "0")
        healthcheck = re.search(
            r"^HEALTHCHECK(?:[^\n]*\\\n)*[^\n]*", dockerfile, flags=re.MULTILINE
        )
        assert healthcheck
        assert "/healthz" in healthcheck.group(0)
        assert "curl" not in healthcheck.group(0)

    @pytest.mark.parametrize("svc", SERVICES)
    def test_api_command_serves_the_app_factory(self, services: dict[str, Any], svc: str) -> None:
        command = command_of(services[f"{svc}-api"])
        assert command[0] == "uvicorn"
        assert "--factory" in command
        assert f"services.{svc}.app:create_app" in command
        assert command[command.index("--host") + 1] == "0.0.0.0"
        assert command[command.index("--port") + 1] == "8000"

    @pytest.mark.parametrize("svc", SERVICES)
    def test_worker_command_runs_the_worker_module(
        self, services: dict[str, Any], svc: str
    ) -> None:
        assert command_of(services[f"{svc}-worker"]) == ["python", "-m", f"services.{svc}.worker"]

    @pytest.mark.parametrize("svc", SERVICES)
    def test_the_modules_the_commands_name_exist(self, svc: str) -> None:
        package = ROOT / "services" / svc
        assert re.search(r"^def create_app\(", (package / "app.py").read_text(), re.MULTILINE)
        assert "__main__" in (package / "worker.py").read_text()
        assert "__main__" in (package / "cli.py").read_text()


def seconds(duration: str) -> float:
    """A Compose duration (`30s`, `1m30s`, `500ms`) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


class TestShutdown:
    """`docker compose stop` sends SIGTERM, then SIGKILL after `stop_grace_period` (default
    10 s): the grace must cover a request in flight, a relay batch and a consumer commit."""

    @pytest.mark.parametrize("container", APP_CONTAINERS)
    def test_apps_get_a_grace_period_of_at_least_20_seconds(
        self, services: dict[str, Any], container: str
    ) -> None:
        assert seconds(str(services[container]["stop_grace_period"])) >= 20

    def test_the_grace_period_parser_reads_compose_durations(self) -> None:
        assert [seconds(d) for d in ("30s", "1m30s", "500ms", "1h")] == [30, 90, 0.5, 3600]


class TestWorkerMetrics:
    @pytest.mark.parametrize("svc", SERVICES)
    def test_workers_serve_metrics_to_the_network_on_an_exposed_port(
        self, services: dict[str, Any], svc: str
    ) -> None:
        worker = services[f"{svc}-worker"]
        env = env_of(worker)
        port = env[f"{svc.upper()}_METRICS_PORT"]
        assert int(port) > 0
        assert env[f"{svc.upper()}_METRICS_HOST"] == "0.0.0.0"  # reachable inside the network
        assert [str(p) for p in worker["expose"]] == [port]

    @pytest.mark.parametrize("svc", SERVICES)
    def test_apis_have_no_metrics_port_of_their_own(
        self, services: dict[str, Any], svc: str
    ) -> None:
        # The API serves /metrics on its HTTP port; the setting is the worker's.
        assert f"{svc.upper()}_METRICS_PORT" not in env_of(services[f"{svc}-api"])
