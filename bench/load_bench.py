"""Mixed-traffic load across the four services (`python -m bench --only load`).

The platform runs as `make run` runs it (deploy/run.sh: four uvicorn APIs, four workers), but
on PostgreSQL databases and the broker that `Infra` provides, on free ports. Once a national
demo cycle is published, Locust (bench/load/locustfile.py) drives SHA, PCT, NHS CB and
signing-in users for `duration_s` seconds; the figures per endpoint class come from its CSV.
Locust runs on the same two cores as the services, so the figures are conservative.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.foundation import Infra, Result
from shared.testing.kafka import free_port
from shared.testing.workers import REPO

SERVICES = ("identity", "assurance", "procurement", "market")
LOCUSTFILE = REPO / "bench" / "load" / "locustfile.py"
PASSWORD = "load-bench-password"


@dataclass(frozen=True)
class LoadConfig:
    users: int = 40
    spawn_rate: float = 20.0
    duration_s: int = 60


async def run(infra: Infra, config: LoadConfig) -> list[Result]:
    return await asyncio.to_thread(_run, infra, config)


def _run(infra: Infra, config: LoadConfig) -> list[Result]:
    ports = {svc: free_port() for svc in SERVICES}
    env = _platform_env(infra, ports)
    workdir = infra.workdir / "load"
    workdir.mkdir(parents=True, exist_ok=True)
    platform = subprocess.Popen(
        ["bash", str(REPO / "deploy" / "run.sh")], cwd=REPO, env=env, start_new_session=True,
        stdout=(workdir / "platform.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        urls = {svc: f"http://127.0.0.1:{port}" for svc, port in ports.items()}
        _wait_healthy(urls, platform, timeout=240)
        cycle_id = _demo_cycle(env, timeout=180)
        stats = _locust(urls, cycle_id, config, workdir)
    finally:
        _stop(platform)
    return _results(stats, config)


def _platform_env(infra: Infra, ports: dict[str, int]) -> dict[str, str]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
           "IDENTITY_DEMO_PASSWORD": PASSWORD, "IDENTITY_LOGIN_RATE_LIMIT": "1000000",
           "IDENTITY_LOGIN_IP_RATE_LIMIT": "1000000",
           "PROCUREMENT_CLOCK_START": "2008-06-02T09:00:00Z", "RUN_WAIT_TIMEOUT": "240"}
    for svc, port in ports.items():
        upper = svc.upper()
        env[f"{upper}_PORT"] = str(port)
        env[f"{upper}_DATABASE_URL"] = infra.postgres_url(f"load_{svc}", svc)
        env[f"{upper}_KAFKA_TOPIC_PREFIX"] = infra.topic_prefix("load")
        env[f"{upper}_LOG_LEVEL"] = "WARNING"
    return env


def _wait_healthy(urls: dict[str, str], platform: subprocess.Popen[bytes],
                  timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for url in urls.values():
        while not _answers(f"{url}/healthz"):
            if platform.poll() is not None:
                raise RuntimeError(f"deploy/run.sh exited with {platform.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not become healthy")
            time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _demo_cycle(env: dict[str, str], timeout: float) -> str:
    """Publish a national demo cycle once assurance's directory holds the PCTs; its id."""
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(
            [sys.executable, "-m", "services.assurance.cli", "demo-cycle"], cwd=REPO, env=env,
            capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return done.stdout.split("(", 1)[1].split(")", 1)[0]
        if time.monotonic() > deadline:
            raise RuntimeError(f"demo-cycle failed: {done.stdout}{done.stderr}")
        time.sleep(2)  # the organisation directory is still arriving from identity


def _locust(urls: dict[str, str], cycle_id: str, config: LoadConfig,
            workdir: Path) -> list[dict[str, str]]:
    env = {**os.environ, "LOAD_PASSWORD": PASSWORD, "LOAD_CYCLE_ID": cycle_id,
           **{f"LOAD_{svc.upper()}_URL": url for svc, url in urls.items()}}
    prefix = workdir / "locust"
    subprocess.run(
        [str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
         "-u", str(config.users), "-r", str(config.spawn_rate), "-t", f"{config.duration_s}s",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        cwd=REPO, env=env, check=False, timeout=config.duration_s + 120,
        stdout=(workdir / "locust.log").open("wb"), stderr=subprocess.STDOUT)
    with (workdir / "locust_stats.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _stop(platform: subprocess.Popen[bytes]) -> None:
    if platform.poll() is None:
        os.killpg(platform.pid, signal.SIGTERM)
        try:
            platform.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(platform.pid, signal.SIGKILL)
            platform.wait()


def _results(stats: list[dict[str, str]], config: LoadConfig) -> list[Result]:
    results = []
    for row in stats:
        details: dict[str, Any] = {
            "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "requests_per_s": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]), "p99_ms": float(row["99%"]),
            "users": config.users, "duration_s": config.duration_s}
        name = "aggregated" if row["Name"] == "Aggregated" else row["Name"]
        results.append(Result(f"load.{name}.p99", details["p99_ms"], "ms", None, details))
    return results
