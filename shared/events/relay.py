"""The outbox relay: publishes committed outbox rows to Kafka in order, then marks them.

Crash safety: a row is marked only after the broker acknowledged it (acks=all), so a crash
between the two publishes it again on restart; consumers' inboxes absorb the duplicate.
One relay per service publishes at a time (a PostgreSQL advisory lock elects it), so the
outbox order is the publication order; the key (aggregate id) keeps an aggregate on one
partition, hence in order for consumers.

Polling adapts to the traffic: after a poll that published something the relay polls again
after `poll_interval`; each empty poll doubles the wait, up to `max_idle_interval`, so an idle
relay runs a few queries a second instead of 1/poll_interval, and the first event after a quiet
spell waits at most `max_idle_interval` longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer
from sqlalchemy import Row, Table, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events.envelope import CONTENT_TYPE
from shared.faults import failpoint
from shared.metrics import Metrics, RelayMetrics
from shared.stopping import stopped_after

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    """An idempotent producer that waits for all in-sync replicas."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        batch_size=256 * 1024,
        max_in_flight_requests_per_connection=5,
        max_block_ms=10_000,
        request_timeout_ms=10_000,
        delivery_timeout_ms=30_000,
        allow_auto_create_topics=False,
        metrics_enabled=False,
    )


class Relay:
    """Moves a service's unpublished outbox rows to Kafka."""

    def __init__(self, *, engine: AsyncEngine, outbox: Table, bootstrap: str, service: str,
                 batch_size: int = 500, poll_interval: float = 0.02,
                 max_idle_interval: float = 0.1, topic_prefix: str = "",
                 metrics: RelayMetrics | None = None) -> None:
        self.engine = engine
        self.outbox = outbox
        self.bootstrap = bootstrap
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_idle_interval = max(poll_interval, max_idle_interval)
        self.topic_prefix = topic_prefix
        self.metrics = metrics or RelayMetrics(Metrics(service))
        self._producer: KafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; failures back off and retry (nothing is marked)."""
        backoff = self.poll_interval
        idle = self.poll_interval
        leadership = self._leadership(stop)
        async with leadership as leader:
            if not leader:
                return
            while not stop.is_set():
                if not await leadership.kept():
                    break  # stopped while standing by for the lock
                try:
                    published = await self.publish_batch()
                    backoff = self.poll_interval
                except Exception:
                    log.exception("relay batch failed; will retry", extra={"backoff": backoff})
                    self.metrics.batch_failed()
                    await asyncio.to_thread(self._reset_producer)
                    backoff = min(backoff * 2 + 0.1, 5.0)
                    await _sleep_or_stop(stop, backoff)
                    continue
                if published >= self.batch_size:
                    continue  # more are waiting
                idle = self.poll_interval if published else self.next_idle(idle)
                await _sleep_or_stop(stop, idle)
        await asyncio.to_thread(self.close)

    def next_idle(self, idle: float) -> float:
        """The wait after an empty poll that followed a wait of `idle` seconds."""
        return min(idle * 2, self.max_idle_interval)

    async def publish_batch(self) -> int:
        """Publish the oldest unpublished rows; returns how many were published and marked."""
        async with self.engine.connect() as conn:
            rows = (await conn.execute(
                select(self.outbox.c.id, self.outbox.c.topic, self.outbox.c.key,
                       self.outbox.c.payload)
                .where(self.outbox.c.published_at.is_(None))
                .order_by(self.outbox.c.id)
                .limit(self.batch_size)
            )).all()
        if not rows:
            return 0
        await asyncio.to_thread(self._send, rows)
        failpoint("relay.after_publish")
        async with self.engine.begin() as conn:
            await conn.execute(
                update(self.outbox)
                .where(self.outbox.c.id.in_([row.id for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        self.metrics.published(len(rows))
        return len(rows)

    def _send(self, rows: Sequence[Row[Any, Any, Any, Any]]) -> None:
        producer = self._get_producer()
        headers = [("content-type", CONTENT_TYPE.encode())]
        futures = [
            producer.send(self.topic_prefix + row.topic, key=row.key.encode(),
                          value=bytes(row.payload), headers=headers)
            for row in rows
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=0)  # raises the broker's error for any row not acknowledged

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = make_producer(self.bootstrap, client_id=f"{self.service}-relay")
        return self._producer

    def _reset_producer(self) -> None:
        self.close()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None

    def _leadership(self, stop: asyncio.Event) -> _Leadership:
        return _Leadership(self.engine, self.service, stop)


class _Leadership:
    """Holds a PostgreSQL advisory lock while this relay publishes (SQLite: always leader).

    The lock lives as long as its connection's session, so a database restart silently ends
    it. `kept()` notices (one round trip at most every `CHECK_INTERVAL` seconds) and takes the
    lock again, or stands by if another relay took it first. While the database cannot be
    reached, taking the lock waits for it (doubling pauses up to 5 s) instead of failing.
    """

    CHECK_INTERVAL = 1.0

    def __init__(self, engine: AsyncEngine, service: str, stop: asyncio.Event) -> None:
        self.engine = engine
        self.key = zlib.crc32(f"outbox-relay:{service}".encode())
        self.stop = stop
        self.conn: AsyncConnection | None = None
        self.checked = 0.0  # time.monotonic() when the lock was last known to be held

    async def __aenter__(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        return await self._acquire()

    async def kept(self) -> bool:
        """Whether this relay (still or again) holds the lock; False: stopped meanwhile."""
        if self.conn is None or time.monotonic() - self.checked < self.CHECK_INTERVAL:
            return not self.stop.is_set()
        try:
            await self.conn.execute(text("SELECT 1"))
            await self.conn.commit()
        except Exception as exc:
            log.warning("outbox lock lost with its database session; taking it again",
                        extra={"error": f"{type(exc).__name__}: {exc}"[:500]})
            await self._drop()
            return await self._acquire()
        self.checked = time.monotonic()
        return True

    async def _acquire(self) -> bool:
        pause = 0.1
        while not self.stop.is_set():
            try:
                if self.conn is None:
                    self.conn = await self.engine.connect()
                got = (await self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                               {"k": self.key})).scalar()
                await self.conn.commit()
            except Exception as exc:  # the database is unreachable (restarting): wait for it
                log.warning("cannot take the outbox lock; will try again",
                            extra={"retry_in": pause,
                                   "error": f"{type(exc).__name__}: {exc}"[:500]})
                await self._drop()
                await _sleep_or_stop(self.stop, pause)
                pause = min(pause * 2, 5.0)
                continue
            if got:
                self.checked = time.monotonic()
                return True
            log.info("another relay holds the outbox lock; standing by")
            await _sleep_or_stop(self.stop, 2.0)
        return False

    async def _drop(self) -> None:
        """Give up a connection whose session is gone (and with it the lock)."""
        conn, self.conn = self.conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
            with contextlib.suppress(Exception):
                await conn.close()

    async def __aexit__(self, *exc: object) -> None:
        if self.conn is None:
            return
        try:
            await self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            await self.conn.commit()
        except Exception as error:  # the session is gone, and the lock went with it
            log.info("outbox lock not released: its session had already ended",
                     extra={"error": f"{type(error).__name__}: {error}"[:500]})
            await self._drop()
        else:
            conn, self.conn = self.conn, None
            await conn.close()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    await stopped_after(stop, seconds)
