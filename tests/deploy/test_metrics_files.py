"""deploy/prometheus and deploy/grafana only use metrics and labels the services expose.

The names come from real scrapes: an API's GET /metrics and a market worker's metrics endpoint
(the market worker serves everything a worker can: relay, consumer and the run queue).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.market import worker as market_worker
from shared.testing.kafka import free_port
from shared.testing.metrics import exposed_names, scrape
from shared.testing.plugin import ServiceDatabases, ServiceHarness, settings_for
from shared.testing.workers import eventually
from tests.deploy.test_compose import COMPOSE, SERVICES, env_of

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboard.json"
OUR_METRIC = re.compile(r"\bcommissioning_[a-z0-9_]+")
# Labels Prometheus adds itself (target labels, histogram buckets).
PROMETHEUS_LABELS = {"job", "instance", "le"}
WANTED_ALERTS = {"ApiLatencyP99High", "Api5xxRatioHigh", "OutboxBacklogOld",
                 "ConsumerLagGrowing", "DeadLetters", "MarketRunQueueStuck"}


def alert_rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"]
               for target in panel.get("targets", [])]
    queries += [variable["definition"] for variable in dashboard["templating"]["list"]
                if variable["type"] == "query"]
    return queries


def queries() -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every alert rule and dashboard query."""
    for rule in alert_rules():
        yield f"alert {rule['alert']}", rule["expr"]
    for query in dashboard_queries():
        yield "dashboard", query


def labels_used(query: str) -> set[str]:
    """Label names in `by (...)`, `without (...)`, `on (...)` and `{label="..."}` matchers."""
    grouped = re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", query)
    names = {name.strip() for group in grouped for name in group.split(",") if name.strip()}
    for matchers in re.findall(r"\{([^}]*)\}", query):
        names |= set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers))
    return names


@pytest.fixture
async def exposed(service_app: Callable[..., AbstractAsyncContextManager[ServiceHarness]],
                   databases: ServiceDatabases, kafka: Any) -> AsyncIterator[dict[str, set[str]]]:
    async with service_app("market") as h:
        await h.client.get("/healthz")
        api = (await h.client.get("/metrics")).text
    settings = settings_for(
        "market", database_url=databases.fresh(f"market_{uuid.uuid4().hex[:10]}", "market"),
        kafka_bootstrap_servers=kafka.bootstrap, kafka_topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        kafka_topic_partitions=1, log_json=False, metrics_port=free_port())
    stop = asyncio.Event()
    task = asyncio.create_task(market_worker.run(settings, stop=stop))

    async def worker_exposition() -> str | None:
        try:
            return await scrape(f"http://127.0.0.1:{settings.metrics_port}/metrics")
        except httpx.TransportError:
            return None

    try:
        worker = await eventually(worker_exposition, timeout=60, message="the worker's metrics")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)
    names = exposed_names(api)
    for name, labels in exposed_names(worker).items():
        names.setdefault(name, set()).update(labels)
    yield names


@pytest.mark.integration
class TestReferencedMetricsExist:
    async def test_every_metric_and_label_in_the_alerts_and_the_dashboard_is_exposed(
            self, exposed: dict[str, set[str]]) -> None:
        # The scrape saw the API's, the worker's and the market worker's own metrics.
        assert {"commissioning_http_request_duration_seconds_bucket",
                "commissioning_outbox_oldest_age_seconds", "commissioning_relay_published_total",
                "commissioning_consumer_lag", "commissioning_consumer_dead_letters_total",
                "commissioning_market_runs"} <= exposed.keys()
        missing = sorted({f"{where}: {name}" for where, query in queries()
                          for name in OUR_METRIC.findall(query) if name not in exposed})
        assert missing == []
        known = PROMETHEUS_LABELS.union(*exposed.values())
        unknown = sorted({f"{where}: {label}" for where, query in queries()
                          for label in labels_used(query) - known})
        assert unknown == []


class TestAlertRules:
    def test_the_rules_cover_latency_errors_outbox_lag_dead_letters_and_the_run_queue(
            self) -> None:
        assert {rule["alert"] for rule in alert_rules()} >= WANTED_ALERTS

    def test_every_rule_has_a_severity_and_a_summary(self) -> None:
        incomplete = [rule["alert"] for rule in alert_rules()
                      if rule["labels"].get("severity") not in ("warning", "critical")
                      or not rule["annotations"].get("summary")]
        assert incomplete == []

    def test_every_query_references_at_least_one_metric(self) -> None:
        empty = [where for where, query in queries()
                 if not OUR_METRIC.search(query) and "up{" not in query]
        assert empty == []

    def test_label_extraction_reads_grouping_and_matchers(self) -> None:
        query = 'sum by (service, le) (rate(x{route!~"/a|/b", status_class="5xx"}[5m]))'
        assert labels_used(query) == {"service", "le", "route", "status_class"}


class TestScrapeConfig:
    def test_prometheus_loads_the_alert_rules(self) -> None:
        config = yaml.safe_load(PROMETHEUS.read_text())
        assert [(PROMETHEUS.parent / name).resolve() for name in config["rule_files"]] == [
            ALERTS.resolve()]

    def test_the_four_apis_are_scraped_on_their_container_port(self) -> None:
        jobs = {job["job_name"]: job for job in yaml.safe_load(PROMETHEUS.read_text())[
            "scrape_configs"]}
        targets = [t for group in jobs["api"]["static_configs"] for t in group["targets"]]
        assert sorted(targets) == sorted(f"{svc}-api:8000" for svc in SERVICES)
        assert jobs["api"]["metrics_path"] == "/metrics"

    def test_the_four_workers_are_scraped_on_their_metrics_port(self) -> None:
        services = yaml.safe_load(COMPOSE.read_text())["services"]
        jobs = {job["job_name"]: job for job in yaml.safe_load(PROMETHEUS.read_text())[
            "scrape_configs"]}
        [discovery] = jobs["worker"]["dns_sd_configs"]
        assert sorted(discovery["names"]) == sorted(f"{svc}-worker" for svc in SERVICES)
        for svc in SERVICES:
            port = env_of(services[f"{svc}-worker"])[f"{svc.upper()}_METRICS_PORT"]
            assert int(port) == discovery["port"], svc
