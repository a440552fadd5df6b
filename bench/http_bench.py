"""HTTP throughput of ONE identity uvicorn worker: /healthz and a one-row read.

The identity API runs as a real `uvicorn --factory services.identity.app:create_app --workers 1`
process against PostgreSQL (then SQLite). The read is GET /organisations/{id} with a bearer
token signed by identity's own KeyStore (the key the server loads at start-up). Load comes from
`wrk` when it is installed, else from an in-process httpx.AsyncClient generator (which is
itself the bottleneck above ~1-2k req/s: its figures are a lower bound).
"""

from __future__ import annotations

import asyncio
import os
import pstats
import re
import shutil
import signal
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.foundation import (
    ChildProcess,
    CpuMeter,
    Infra,
    Result,
    Target,
    latency_summary,
    profile_top,
    python_argv,
)
from services.identity.config import Settings
from services.identity.organisation import service
from services.identity.organisation.schemas import OrganisationCreate
from services.identity.token.keys import KeyStore
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.testing.kafka import free_port
from shared.testing.tokens import TokenFactory
from shared.testing.workers import service_env

TARGET_READ = Target(">=", 3000, "req/s", "one-row reads per uvicorn worker")
UVICORN = ("-m", "uvicorn", "--factory", "services.identity.app:create_app", "--workers", "1",
           "--no-access-log", "--log-level", "warning", "--host", "127.0.0.1")


@dataclass(frozen=True)
class HttpConfig:
    duration_s: float = 10.0
    warmup_s: float = 2.0
    connections: int = 32
    backends: tuple[str, ...] = ("postgresql", "sqlite")
    tool: str = "auto"  # auto | wrk | httpx
    profile_dir: Path | None = None  # run uvicorn under cProfile (figures drop under it)


@dataclass
class Load:
    """What one load run measured."""

    tool: str
    requests: int
    errors: int
    seconds: float
    latency: dict[str, float] = field(default_factory=dict)
    cpu_cores: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


async def run(infra: Infra, config: HttpConfig) -> list[Result]:
    tool = _choose_tool(config.tool)
    results: list[Result] = []
    for backend in config.backends:
        results += await _backend(infra, config, backend, tool)
    return results


def _choose_tool(wanted: str) -> str:
    if wanted == "auto":
        return "wrk" if shutil.which("wrk") else "httpx"
    if wanted == "wrk" and not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    return wanted


async def _backend(infra: Infra, config: HttpConfig, backend: str, tool: str) -> list[Result]:
    url = (infra.postgres_url("http_identity", "identity") if backend == "postgresql"
           else infra.sqlite_url("http_identity", "identity"))
    org_id, token = await _prepare(url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _uvicorn(infra, url, port, backend, config.profile_dir)
    with server:
        await _wait_ready(server, base + "/healthz")
        auth = {"Authorization": f"Bearer {token}"}
        await _check(base + f"/organisations/{org_id}", auth)
        roots = {**infra.pids(), "uvicorn": server.process.pid if server.process else None}
        health = await _measure(tool, base + "/healthz", {}, config, roots)
        read = await _measure(tool, base + f"/organisations/{org_id}", auth, config, roots)
    results = [_result(f"http.{backend}.healthz", health, None, backend, config),
               _result(f"http.{backend}.one_row_read", read, TARGET_READ, backend, config)]
    if config.profile_dir is not None:
        results[-1].details["profile"] = _profile_report(config.profile_dir, backend)
    return results


async def _prepare(url: str) -> tuple[str, str]:
    """Register one organisation and sign a token with identity's active key (creating it)."""
    engine = create_engine(url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with session_scope(sessionmaker) as session:
            organisation = await service.register(session, OrganisationCreate(
                code="DH", name="Department of Health", type="DOH",
                valid_from=date(1988, 7, 25)), actor="bench")
        keys = KeyStore(sessionmaker)
        await keys.load()
    finally:
        await engine.dispose()
    issuer = Settings(database_url=url).token_issuer
    claims = TokenFactory(issuer).claims(org_id=organisation.id, org_type="DOH",
                                         roles=["doh_admin"], audience="identity", ttl=1800)
    return organisation.id, keys.sign(claims)


def _uvicorn(infra: Infra, url: str, port: int, backend: str,
             profile_dir: Path | None) -> ChildProcess:
    env = service_env("identity", database_url=url, log_level="WARNING", log_json=False)
    log_dir = infra.workdir / "logs"
    log_dir.mkdir(exist_ok=True)
    argv = [*UVICORN, "--port", str(port)]
    if profile_dir is None:
        return ChildProcess(python_argv(*argv), env, log_dir / f"uvicorn-{backend}.log")
    profile_dir.mkdir(parents=True, exist_ok=True)
    # uvicorn re-raises the signal it stopped on: SIGINT ends cProfile with its dump written.
    profiled = ["-m", "cProfile", "-o", str(_profile_path(profile_dir, backend)), *argv]
    return ChildProcess(python_argv(*profiled), env, log_dir / f"uvicorn-{backend}.log",
                        stop_signal=signal.SIGINT)


def _profile_path(profile_dir: Path, backend: str) -> Path:
    return profile_dir / f"uvicorn-{backend}.prof"


def _profile_report(profile_dir: Path, backend: str) -> dict[str, Any]:
    """The uvicorn process's profile (whole life: start-up, warm-ups and both loads)."""
    path = _profile_path(profile_dir, backend)
    if not path.exists():
        return {"file": None, "error": "uvicorn wrote no profile"}
    return {"file": str(path), "top_own_time": profile_top(pstats.Stats(str(path)))}


async def _wait_ready(server: ChildProcess, url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            if not server.running():
                raise RuntimeError("uvicorn exited during start-up:\n" + server.log_tail())
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"uvicorn not ready after {timeout}s:\n" + server.log_tail())


async def _check(url: str, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(url, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.text[:500]}")


async def _measure(tool: str, url: str, headers: dict[str, str], config: HttpConfig,
                   roots: dict[str, int | None]) -> Load:
    generate = _wrk if tool == "wrk" else _httpx_load
    await generate(url, headers, config.warmup_s, config.connections)
    meter = CpuMeter(roots).start()
    load = await generate(url, headers, config.duration_s, config.connections)
    load.cpu_cores = meter.stop()
    return load


# ---- wrk --------------------------------------------------------------------------------------


async def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    argv = ["wrk", f"-t{_wrk_threads()}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    process = await asyncio.create_subprocess_exec(
        *argv, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=seconds + 30)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {out.decode()[-2000:]}")
    return parse_wrk(out.decode())


def _wrk_threads() -> int:
    """One wrk thread on a 2-core box, so that the server keeps a core of its own."""
    cores = len(os.sched_getaffinity(0))
    return 1 if cores <= 2 else 2


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(text: str) -> Load:
    """Requests, errors, duration and latency percentiles from `wrk --latency` output."""
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if done is None:
        raise ValueError(f"unexpected wrk output:\n{text}")
    seconds = float(done.group(2)) * _UNITS[done.group(3)] / 1000
    latency = {f"p{q}_ms": round(float(v) * _UNITS[u], 2)
               for q, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text,
                                         re.MULTILINE)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        text)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Load("wrk", int(done.group(1)), errors, seconds, latency)


# ---- httpx fallback ---------------------------------------------------------------------------


async def _httpx_load(url: str, headers: dict[str, str], seconds: float,
                      connections: int) -> Load:
    """`connections` users, each with a client of its own (one shared pool is far slower)."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def user() -> None:
        nonlocal errors
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=10) as client:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    ok = (await client.get(url)).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - began)
                errors += not ok

    began = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(connections)))
    return Load("httpx", len(latencies), errors, time.perf_counter() - began,
                latency_summary(latencies))


def _result(name: str, load: Load, target: Target | None, backend: str,
            config: HttpConfig) -> Result:
    details: dict[str, Any] = {
        "backend": backend, "tool": load.tool, "connections": config.connections,
        "duration_s": round(load.seconds, 2), "warmup_s": config.warmup_s,
        "requests": load.requests, "errors": load.errors, "latency": load.latency,
        "uvicorn_workers": 1, "cpu_cores_used": load.cpu_cores,
    }
    if load.tool == "wrk":
        details["wrk_threads"] = _wrk_threads()
    else:
        details["lower_bound"] = "the in-process httpx generator saturates before the server"
    return Result(name, load.rate, "req/s", target, details)
