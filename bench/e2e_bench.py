"""End-to-end event latency: commit in identity's database -> applied in assurance.

Identity's and assurance's workers run as real processes. After a warm-up (registrations that
must reach assurance, so the consumer group has joined), organisations are updated through
identity's organisation service at a steady rate, one transaction per event. Latency of an
event = assurance's inbox.received_at - identity's outbox.created_at (both from the same
machine clock); it is split at outbox.published_at into the relay's and the consumer's share.
An event not applied when the drain times out counts with the time waited so far (a lower bound).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.foundation import CpuMeter, Infra, Result, Target, latency_summary, track
from services.assurance.database import inbox as assurance_inbox
from services.identity.database import outbox as identity_outbox
from services.identity.organisation import service
from services.identity.organisation.schemas import OrganisationCreate, OrganisationUpdate
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.testing.workers import WorkerProcess, service_env

TARGET_P99 = Target("<=", 250, "ms", "p99; the target is set at 200 events/s")
RELAY_POLL_INTERVAL = 0.01


@dataclass(frozen=True)
class E2EConfig:
    rate: float = 200.0
    duration_s: float = 30.0
    organisations: int = 64
    concurrency: int = 16
    warmup_timeout_s: float = 90.0
    drain_timeout_s: float = 45.0


@dataclass
class _Drive:
    """What the load driver did: commits, failures and how late it started transactions."""

    committed: int = 0
    failed: int = 0
    lateness: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    drained: bool = False
    cpu_cores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Event:
    created: datetime
    published: datetime | None
    received: datetime | None


async def run(infra: Infra, config: E2EConfig) -> list[Result]:
    urls = {svc: infra.postgres_url(f"e2e_{svc}", svc) for svc in ("identity", "assurance")}
    engines = {svc: create_engine(url, pool_size=config.concurrency) for svc, url in urls.items()}
    workers: list[WorkerProcess] = []
    try:
        org_ids = await _register(create_sessionmaker(engines["identity"]), config.organisations)
        _start_workers(infra, urls, workers)
        meter = CpuMeter({**infra.pids(), **_worker_pids(workers)})
        drive, since = await _measure(engines, org_ids, config, workers, meter)
        cutoff = datetime.now(UTC)
        events = await _events(engines, since)
    finally:
        for worker in workers:
            await asyncio.to_thread(worker.stop)
        for engine in engines.values():
            await engine.dispose()
    return _results(config, drive, events, cutoff)


async def _register(sessionmaker: async_sessionmaker[AsyncSession], count: int) -> list[str]:
    """Register `count` suppliers (their events are the warm-up); returns their ids."""
    tag = uuid.uuid4().hex[:4].upper()
    async with session_scope(sessionmaker) as session:
        organisations = [await service.register(session, OrganisationCreate(
            code=f"E{tag}{i:04d}", name=f"Bench Supplier {i}", type="SUPPLIER",
            valid_from=date(2013, 4, 1)), actor="bench") for i in range(count)]
    return [organisation.id for organisation in organisations]


def _start_workers(infra: Infra, urls: dict[str, str], workers: list[WorkerProcess]) -> None:
    """Start identity's and assurance's workers, appending each to `workers` (for cleanup)."""
    log_dir = infra.workdir / "logs"
    log_dir.mkdir(exist_ok=True)
    for svc in ("identity", "assurance"):
        env = service_env(svc, database_url=urls[svc], kafka_bootstrap_servers=infra.bootstrap,
                          kafka_topic_prefix=infra.topic_prefix("e2e"), log_json=False,
                          relay_poll_interval=RELAY_POLL_INTERVAL, log_level="WARNING")
        worker = WorkerProcess(svc, env, log_dir)
        workers.append(worker)
        track(worker.start().process)


def _worker_pids(workers: list[WorkerProcess]) -> dict[str, int | None]:
    return {f"{worker.service} worker": worker.process.pid if worker.process else None
            for worker in workers}


async def _measure(engines: dict[str, AsyncEngine], org_ids: list[str], config: E2EConfig,
                   workers: list[WorkerProcess], meter: CpuMeter) -> tuple[_Drive, datetime]:
    inbox_engine = engines["assurance"]
    if not await _await_inbox(inbox_engine, len(org_ids), config.warmup_timeout_s, workers):
        raise TimeoutError(f"warm-up: {len(org_ids)} registrations did not reach assurance in "
                           f"{config.warmup_timeout_s}s:\n" + workers[-1].log()[-3000:])
    since = datetime.now(UTC)
    meter.start()
    drive = await _drive(create_sessionmaker(engines["identity"]), org_ids, config)
    drive.drained = await _await_inbox(inbox_engine, len(org_ids) + drive.committed,
                                       config.drain_timeout_s, workers)
    drive.cpu_cores = meter.stop()
    return drive, since


async def _drive(sessionmaker: async_sessionmaker[AsyncSession], org_ids: list[str],
                 config: E2EConfig) -> _Drive:
    """Start one update transaction every 1/rate seconds (at most `concurrency` in flight)."""
    drive = _Drive()
    slots = asyncio.Semaphore(config.concurrency)
    tasks: set[asyncio.Task[None]] = set()
    began = time.perf_counter()
    for i in range(int(config.rate * config.duration_s)):
        due = began + i / config.rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        await slots.acquire()
        drive.lateness.append(max(0.0, time.perf_counter() - due))
        task = asyncio.create_task(_update(sessionmaker, org_ids[i % len(org_ids)], i, drive))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(lambda _done: slots.release())
    await asyncio.gather(*tasks)
    drive.elapsed_s = time.perf_counter() - began
    return drive


async def _update(sessionmaker: async_sessionmaker[AsyncSession], org_id: str, i: int,
                  drive: _Drive) -> None:
    try:
        async with session_scope(sessionmaker) as session:
            await service.update(session, org_id, OrganisationUpdate(name=f"Bench Supplier #{i}"),
                                 actor="bench")
        drive.committed += 1
    except Exception:
        drive.failed += 1


async def _await_inbox(engine: AsyncEngine, count: int, timeout: float,
                       workers: list[WorkerProcess]) -> bool:
    """Wait until assurance's inbox holds `count` events: False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.process is not None and worker.process.poll() is not None:
                raise RuntimeError(f"{worker.service} worker exited:\n" + worker.log()[-3000:])
        if await _inbox_count(engine) >= count:
            return True
        await asyncio.sleep(0.2)
    return False


async def _inbox_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(
            select(func.count()).select_from(assurance_inbox))).scalar_one())


async def _events(engines: dict[str, AsyncEngine], since: datetime) -> list[_Event]:
    """Every event committed in identity since `since`, with when assurance applied it."""
    table = identity_outbox.table
    async with engines["identity"].connect() as conn:
        sent = (await conn.execute(
            select(table.c.event_id, table.c.created_at, table.c.published_at)
            .where(table.c.created_at >= since))).all()
    async with engines["assurance"].connect() as conn:
        received = dict((await conn.execute(
            select(assurance_inbox.c.event_id, assurance_inbox.c.received_at))).all())
    return [_Event(row.created_at, row.published_at, received.get(row.event_id))
            for row in sent]


def _results(config: E2EConfig, drive: _Drive, events: list[_Event],
             cutoff: datetime) -> list[Result]:
    total = [((e.received or cutoff) - e.created).total_seconds() for e in events]
    relay = [(e.published - e.created).total_seconds() for e in events if e.published]
    consume = [(e.received - e.published).total_seconds()
               for e in events if e.received and e.published]
    summary = latency_summary(total)
    details = {
        "target_rate": config.rate, "duration_s": config.duration_s,
        "achieved_rate": round(drive.committed / drive.elapsed_s, 1) if drive.elapsed_s else 0,
        "committed": drive.committed, "failed": drive.failed, "events": len(events),
        "not_applied_by_cutoff": sum(e.received is None for e in events),
        "drained": drive.drained, "driver_lateness": latency_summary(drive.lateness),
        "latency": summary,
        "stage_commit_to_published": latency_summary(relay),
        "stage_published_to_applied": latency_summary(consume),
        "relay_poll_interval_s": RELAY_POLL_INTERVAL, "cpu_cores_used": drive.cpu_cores,
    }
    return [
        Result("e2e.latency_p50", summary["p50_ms"], "ms", None,
               {"see": "e2e.latency_p99", "cpu_cores_used": drive.cpu_cores}),
        Result("e2e.latency_p99", summary["p99_ms"], "ms", TARGET_P99, details),
    ]
