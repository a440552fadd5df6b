"""Assurance benchmarks: publishing a national cycle, and the league-table endpoint under load.

`run() -> dict` (or `python -m bench.assurance_bench`) against real PostgreSQL (TEST_DATABASE_URL
as an admin URL, else a throwaway cluster started here):

1. A national cycle of 152 PCTs (10 SHAs) is opened and taken to nationally_calibrated with the
   demo generator, committed; then, timed: publishing the whole cycle in one request-sized
   transaction (rules, decisions, support needs, ~1,000 outbox rows, commit) and computing
   the national league table server-side (one query + rules.league). Target < 1 s together.
2. GET /cycles/{id}/league through httpx.ASGITransport into the real app (token verification,
   scope, one query, rules, JSON), `concurrency` requests in flight, `requests` in all, after
   a warm-up. Target p99 < 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from services.assurance.app import create_app
from services.assurance.cli import MIGRATIONS
from services.assurance.config import Settings
from services.assurance.cycle.demo import DEMO, calibrated_cycle
from services.assurance.database import directory
from services.assurance.publication.service import publish_cycle
from services.assurance.report import service as reports
from shared.auth import StaticKeys, TokenVerifier
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.migrations import upgrade
from shared.testing.kafka import free_port
from shared.testing.tokens import TokenFactory, serve_jwks
from shared.testing.workers import REPO, service_env

SHA_SIZES = (12, 24, 14, 9, 17, 14, 31, 8, 9, 14)
TARGET_PUBLISH_S = 1.0
TARGET_P99_MS = 50.0
UVICORN = ("-m", "uvicorn", "--factory", "services.assurance.app:create_app", "--workers", "1",
           "--no-access-log", "--log-level", "warning", "--host", "127.0.0.1")




def _database() -> tuple[str, Any]:
    """A fresh migrated database URL and the cluster to stop afterwards (or None)."""
    admin = os.environ.get("TEST_DATABASE_URL")
    if admin:
        from shared.testing.postgres import recreate_database

        return recreate_database(admin, "bench_assurance"), None
    from shared.testing.postgres import PostgresCluster

    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="assurance-bench-")))
    cluster.start()
    return cluster.create_database("bench_assurance"), cluster


async def _seed(url: str) -> str:
    """Directory of 10 SHAs / 152 PCTs, and a cycle ready to publish; returns its id."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    now = datetime.now(UTC)

    def org(org_id: str, code: str, type_: str, parent: str | None) -> dict[str, Any]:
        return {"organisation_id": org_id, "code": code, "name": code, "type": type_,
                "parent_id": parent, "valid_from": date(2006, 7, 1), "valid_to": None,
                "updated_at": now}

    rows = [org("doh", "DH", "DOH", None)]
    for i, size in enumerate(SHA_SIZES):
        rows.append(org(f"sha-{i}", f"Q3{i}", "SHA", "doh"))
        rows += [org(f"pct-{i}-{n}", f"P{i}{n:02d}", "PCT", f"sha-{i}") for n in range(size)]
    async with session_scope(sessions) as session:
        await session.execute(directory.insert(), rows)
    async with session_scope(sessions) as session:
        cycle = await calibrated_cycle(session, "2008/09")
    await engine.dispose()
    return cycle.id


async def _publish_and_league(url: str, cycle_id: str) -> dict[str, float]:
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    began = time.perf_counter()
    async with session_scope(sessions) as session:
        published = await publish_cycle(session, cycle_id, DEMO)
    publish_s = time.perf_counter() - began
    mid = time.perf_counter()
    async with session_scope(sessions) as session:
        table = await reports.league(session, cycle_id, DEMO)
    league_s = time.perf_counter() - mid
    await engine.dispose()
    assert published.published == 152 and len(table.rows) == 152
    return {"publish_cycle_s": round(publish_s, 3), "league_compute_s": round(league_s, 4),
            "publish_and_league_s": round(publish_s + league_s, 3)}


def _tokens_and_headers() -> tuple[TokenFactory, dict[str, str]]:
    tokens = TokenFactory()
    return tokens, tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"],
                                  audience="assurance", ttl=3600)


@asynccontextmanager
async def _in_process(url: str, tokens: TokenFactory,
                      concurrency: int) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in this process, reached through httpx.ASGITransport."""
    app = create_app(Settings(database_url=url, log_json=True, log_level="WARNING",
                              db_pool_size=concurrency))
    app.state.verifier = TokenVerifier(StaticKeys(tokens.key_set), issuer=tokens.issuer,
                                       audience="assurance")
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://assurance.bench") as client:
        yield client


@asynccontextmanager
async def _uvicorn(url: str, tokens: TokenFactory,
                   concurrency: int) -> AsyncIterator[httpx.AsyncClient]:
    """`uvicorn --factory services.assurance.app:create_app` as its own process, verifying
    tokens against a JWKS served from this process (as it would against identity's)."""
    with serve_jwks(tokens) as jwks_url:
        port = free_port()
        env = service_env("assurance", database_url=url, log_level="WARNING", log_json="true",
                          db_pool_size=concurrency, identity_url=jwks_url)
        server = await asyncio.create_subprocess_exec(
            sys.executable, *UVICORN, "--port", str(port), cwd=REPO, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                         limits=httpx.Limits(max_connections=concurrency),
                                         ) as client:
                await _until_up(client, server)
                yield client
        finally:
            server.terminate()
            await asyncio.wait_for(server.wait(), timeout=15)


async def _until_up(client: httpx.AsyncClient, server: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.returncode is None:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the assurance API did not start")


async def _league_load(client: httpx.AsyncClient, path: str, headers: dict[str, str], *,
                       requests: int, concurrency: int) -> dict[str, Any]:
    """`concurrency` requests in flight until `requests` are done; latency per request."""
    latencies: list[float] = []

    async def worker(count: int, record: bool) -> None:
        for _ in range(count):
            began = time.perf_counter()
            response = await client.get(path, headers=headers)
            if record:
                latencies.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text

    await asyncio.gather(*(worker(20, False) for _ in range(concurrency)))
    began = time.perf_counter()
    await asyncio.gather(*(worker(requests // concurrency, True) for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles([s * 1000 for s in latencies], n=100)
    return {"requests": len(latencies), "concurrency": concurrency,
            "p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2),
            "p99_ms": round(cuts[98], 2), "max_ms": round(max(latencies) * 1000, 2),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "target_p99_ms": TARGET_P99_MS, "met": cuts[98] < TARGET_P99_MS}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _wrk(base: str, path: str, headers: dict[str, str], *, seconds: int,
               concurrency: int) -> dict[str, Any]:
    """wrk (a C load generator, so the client is not the bottleneck) against the server."""
    argv = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-H",
            f"Authorization: {headers['Authorization']}", base + path]
    warm = await asyncio.create_subprocess_exec(*argv[:3], "-d2s", *argv[4:],
                                                stdout=asyncio.subprocess.DEVNULL)
    await warm.wait()
    run_ = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    out = (await run_.communicate())[0].decode()
    cuts = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.MULTILINE))
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = _ms(cuts["99"])
    return {"tool": "wrk", "requests": total, "concurrency": concurrency,
            "non_2xx": int(errors.group(1)) if errors else 0,
            "p50_ms": round(_ms(cuts["50"]), 2), "p90_ms": round(_ms(cuts["90"]), 2),
            "p99_ms": round(p99, 2), "requests_per_s": round(total / seconds, 1),
            "target_p99_ms": TARGET_P99_MS, "met": p99 < TARGET_P99_MS}


async def _run(url: str, requests: int, concurrency: int) -> dict[str, Any]:
    cycle_id = await _seed(url)
    publication = await _publish_and_league(url, cycle_id)
    tokens, headers = _tokens_and_headers()
    path = f"/cycles/{cycle_id}/league"
    loads = {}
    async with _in_process(url, tokens, concurrency) as client:
        loads["asgi_in_process"] = await _league_load(client, path, headers, requests=requests,
                                                      concurrency=concurrency)
    async with _uvicorn(url, tokens, concurrency) as client:
        if shutil.which("wrk"):
            loads["uvicorn_process"] = await _wrk(str(client.base_url).rstrip("/"), path,
                                                  headers, seconds=8, concurrency=concurrency)
        else:
            loads["uvicorn_process"] = await _league_load(
                client, path, headers, requests=requests, concurrency=concurrency)
    return {
        "publication": {**publication, "pcts": 152, "target_s": TARGET_PUBLISH_S,
                        "met": publication["publish_and_league_s"] < TARGET_PUBLISH_S},
        "league_endpoint": loads,
    }


def run(requests: int = 3000, concurrency: int = 16) -> dict[str, Any]:
    """Both benchmarks on a fresh database; figures and whether each target was met."""
    url, cluster = _database()
    try:
        upgrade(MIGRATIONS, url)
        return asyncio.run(_run(url, requests, concurrency))
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
