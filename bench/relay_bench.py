"""Relay throughput: events/s from identity's outbox to the broker.

The outbox is pre-filled with N OrganisationUpdated events through `Outbox.add` in a few big
transactions; then `Relay.publish_batch` is timed in a loop until the outbox is empty. The
relay's Kafka send (`Relay._send`, run in a thread) is timed separately, so the rest of each
batch is the database's share (select the batch, mark it published).
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import func, select

from bench.foundation import CpuMeter, Infra, Result, Target, latency_summary, profile_top
from services.identity.database import outbox
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.events.contracts.identity import OrganisationUpdated
from shared.events.relay import Relay
from shared.events.topics import ensure_topics

TOPIC = "identity.organisation"
TARGET = Target(">=", 5000, "events/s", "on 2 cores")
PARTITIONS = 3


@dataclass(frozen=True)
class RelayConfig:
    events: int = 20_000
    batch_sizes: tuple[int, ...] = (500, 2000)
    fill_transactions: int = 4
    deadline_s: float = 120.0
    profile_dir: Path | None = None  # cProfile the publishing loop (figures drop under it)


@dataclass
class _Timings:
    """Per batch: wall time of publish_batch and of its Kafka send (and optional profiles)."""

    batches: list[float] = field(default_factory=list)
    sends: list[float] = field(default_factory=list)
    loop_profile: cProfile.Profile | None = None  # the event loop's thread
    send_profile: cProfile.Profile | None = None  # the thread that runs Relay._send


async def run(infra: Infra, config: RelayConfig) -> list[Result]:
    results = []
    for backend in ("postgresql", "sqlite"):
        for batch_size in config.batch_sizes:
            results.append(await _one_run(infra, config, backend, batch_size))
    return results


async def _one_run(infra: Infra, config: RelayConfig, backend: str, batch_size: int) -> Result:
    name = f"relay_{backend[:2]}_{batch_size}"
    url = (infra.postgres_url(name, "identity") if backend == "postgresql"
           else infra.sqlite_url(name, "identity"))
    prefix = infra.topic_prefix(name)
    await asyncio.to_thread(ensure_topics, infra.bootstrap, [prefix + TOPIC],
                            partitions=PARTITIONS, replication=1)
    fill_s = await fill_outbox(url, config.events, config.fill_transactions)
    engine = create_engine(url, pool_size=4)
    relay = Relay(engine=engine, outbox=outbox.table, bootstrap=infra.bootstrap,
                  service="identity", batch_size=batch_size, topic_prefix=prefix)
    try:
        await asyncio.to_thread(_warm_producer, relay, prefix + TOPIC)
        timings = _time_sends(relay, profile=config.profile_dir is not None)
        meter = CpuMeter(infra.pids()).start()
        published, elapsed = await _drain(relay, timings, config.deadline_s)
        cores = meter.stop()
        left = await _unpublished(engine)
    finally:
        await asyncio.to_thread(relay.close)
        await engine.dispose()
    on_broker = await asyncio.to_thread(_records_on_topic, infra.bootstrap, prefix + TOPIC)
    extra: dict[str, Any] = {"fill_s": round(fill_s, 2), "left_in_outbox": left,
                             "records_on_topic": on_broker, "events": config.events,
                             "cpu_cores_used": cores}
    if config.profile_dir is not None:
        extra["profile"] = _save_profile(timings, config.profile_dir / f"{name}.prof")
    return _result(backend, batch_size, published, elapsed, timings, extra)


async def fill_outbox(url: str, events: int, transactions: int) -> float:
    """Add `events` OrganisationUpdated events through Outbox.add in `transactions` commits."""
    engine = create_engine(url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    payloads = _payloads(min(events, 500))
    per_tx = max(1, -(-events // max(1, transactions)))
    began = time.perf_counter()
    try:
        for start in range(0, events, per_tx):
            async with session_scope(sessionmaker) as session:
                for i in range(start, min(start + per_tx, events)):
                    await outbox.add(session, payloads[i % len(payloads)])
    finally:
        await engine.dispose()
    return time.perf_counter() - began


def _payloads(count: int) -> list[OrganisationUpdated]:
    return [OrganisationUpdated(
        organisation_id=str(uuid.uuid4()), code=f"B{i:05d}", name=f"Bench Supplier {i}",
        type="SUPPLIER", valid_from=date(2013, 4, 1), changed=["name"]) for i in range(count)]


def _warm_producer(relay: Relay, topic: str) -> None:
    """Connect the producer and load the topic's metadata before the clock starts."""
    producer = relay._get_producer()  # the bench times publishing, not connecting
    deadline = time.monotonic() + 30
    while not producer.partitions_for(topic) and time.monotonic() < deadline:
        time.sleep(0.1)


def _time_sends(relay: Relay, *, profile: bool) -> _Timings:
    """Wrap the relay's Kafka send (looked up on the instance by publish_batch) with a timer."""
    timings = _Timings()
    if profile:
        timings.loop_profile, timings.send_profile = cProfile.Profile(), cProfile.Profile()
    send: Callable[[Sequence[Any]], None] = relay._send

    def timed(rows: Sequence[Any]) -> None:
        began = time.perf_counter()
        try:
            if timings.send_profile is not None:
                timings.send_profile.runcall(send, rows)
            else:
                send(rows)
        finally:
            timings.sends.append(time.perf_counter() - began)

    relay._send = timed  # type: ignore[method-assign]
    return timings


async def _drain(relay: Relay, timings: _Timings, deadline_s: float) -> tuple[int, float]:
    """publish_batch until the outbox is empty (or the deadline): (events, seconds)."""
    published = 0
    began = time.perf_counter()
    if timings.loop_profile is not None:
        timings.loop_profile.enable()
    try:
        while time.perf_counter() - began < deadline_s:
            batch_began = time.perf_counter()
            count = await relay.publish_batch()
            if count == 0:
                break
            timings.batches.append(time.perf_counter() - batch_began)
            published += count
    finally:
        if timings.loop_profile is not None:
            timings.loop_profile.disable()
    return published, time.perf_counter() - began


def _save_profile(timings: _Timings, path: Path) -> dict[str, Any]:
    """Both threads' profiles, merged, to `path`; the top functions for the report."""
    assert timings.loop_profile is not None and timings.send_profile is not None
    stats = pstats.Stats(timings.loop_profile)
    stats.add(timings.send_profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    stats.dump_stats(path)
    return {"file": str(path), "top_own_time": profile_top(stats)}


async def _unpublished(engine: Any) -> int:
    table = outbox.table
    async with engine.connect() as conn:
        query = select(func.count()).select_from(table).where(table.c.published_at.is_(None))
        return int((await conn.execute(query)).scalar_one())


def _records_on_topic(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             group_id=None, metrics_enabled=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(partitions).values())
    finally:
        consumer.close()


def _result(backend: str, batch_size: int, published: int, elapsed: float, timings: _Timings,
            extra: dict[str, Any]) -> Result:
    send_s, batch_s = sum(timings.sends), sum(timings.batches)
    details = {
        "backend": backend, "batch_size": batch_size, "published": published,
        "elapsed_s": round(elapsed, 3), "batches": len(timings.batches),
        "kafka_send_share": round(send_s / batch_s, 3) if batch_s else None,
        "database_share": round(1 - send_s / batch_s, 3) if batch_s else None,
        "batch_latency": latency_summary(timings.batches),
        "kafka_send_latency": latency_summary(timings.sends),
        "complete": extra["left_in_outbox"] == 0 and extra["records_on_topic"] == published,
        **extra,
    }
    rate = published / elapsed if elapsed > 0 else 0.0
    return Result(f"relay.{backend}.batch_{batch_size}", rate, "events/s", TARGET, details)
