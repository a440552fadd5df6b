"""The consumer: applies each event exactly once, retries, then dead-letters.

Delivery is at least once (offsets are committed only after the event's transaction), and the
effect is exactly once: the handler runs in the same transaction as the inbox insert keyed by
event id, so a redelivered event finds its id and is skipped. A handler that keeps failing is
retried with backoff and then sent, with its error, to `<topic>.dlq`; the partition moves on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from pydantic import BaseModel, ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.contracts import CONTRACTS, dlq_topic
from shared.events.envelope import Envelope
from shared.events.relay import make_producer
from shared.faults import failpoint
from shared.logging import correlation_id

log = logging.getLogger(__name__)
T = TypeVar("T")

Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]


class Outcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True)
class ConsumerConfig:
    group_id: str
    bootstrap: str
    topics: tuple[str, ...]
    max_retries: int = 3
    retry_backoff: float = 0.2
    poll_timeout_ms: int = 100
    max_poll_records: int = 500


class Consumer:
    """Consumes `topics` in consumer group `group_id` and applies events through `handlers`."""

    def __init__(self, config: ConsumerConfig, *, handlers: dict[str, Handler],
                 sessionmaker: async_sessionmaker[AsyncSession], inbox: Table) -> None:
        unknown = set(handlers) - set(CONTRACTS)
        if unknown:
            raise ValueError(f"handlers for unknown event types: {sorted(unknown)}")
        self.config = config
        self.handlers = handlers
        self.sessionmaker = sessionmaker
        self.inbox = inbox
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-consumer")
        self._consumer: KafkaConsumer | None = None
        self._dlq: KafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll, apply and commit until `stop` is set."""
        consumer: KafkaConsumer = await self._call(self._open)
        self._consumer = consumer
        try:
            while not stop.is_set():
                batches = await self._call(consumer.poll, self.config.poll_timeout_ms,
                                           self.config.max_poll_records)
                for tp, records in batches.items():
                    await self._apply_partition(tp, records, stop)
        finally:
            await self._call(self._close)
            self._pool.shutdown(wait=False)

    async def _apply_partition(self, tp: TopicPartition, records: list[ConsumerRecord],
                               stop: asyncio.Event) -> None:
        last: int | None = None
        for record in records:
            await self.handle(record)
            last = record.offset
            failpoint("consumer.after_apply")
            if stop.is_set():
                break
        if last is not None:
            await self._commit(tp, last + 1)

    async def handle(self, record: ConsumerRecord) -> Outcome:
        """Apply one record: decode, dedupe, run the handler; dead-letter what cannot apply."""
        try:
            envelope = Envelope.from_bytes(record.value)
        except (ValidationError, ValueError) as exc:
            return await self._dead_letter(record, f"malformed envelope: {exc}", "malformed")
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return Outcome.IGNORED
        try:
            model: type[BaseModel] = CONTRACTS[envelope.type].model
            payload = model.model_validate(envelope.data)
        except ValidationError as exc:
            return await self._dead_letter(record, f"payload breaks its contract: {exc}",
                                           "contract")
        token = correlation_id.set(envelope.correlationid)
        try:
            return await self._apply_with_retries(record, envelope, handler, payload)
        finally:
            correlation_id.reset(token)

    async def _apply_with_retries(self, record: ConsumerRecord, envelope: Envelope,
                                  handler: Handler, payload: BaseModel) -> Outcome:
        attempt = 0
        while True:
            try:
                return await self._apply_once(envelope, handler, payload)
            except Exception as exc:
                attempt += 1
                if attempt > self.config.max_retries:
                    log.exception("event failed after retries; dead-lettering",
                                  extra={"event_id": envelope.id, "type": envelope.type})
                    return await self._dead_letter(record, f"{type(exc).__name__}: {exc}",
                                                   "handler")
                await asyncio.sleep(self.config.retry_backoff * 2 ** (attempt - 1))

    async def _apply_once(self, envelope: Envelope, handler: Handler,
                          payload: BaseModel) -> Outcome:
        recorded = False
        try:
            async with self.sessionmaker() as session, session.begin():
                seen = await session.scalar(
                    select(self.inbox.c.event_id).where(self.inbox.c.event_id == envelope.id))
                if seen is not None:
                    log.info("duplicate event skipped", extra={"event_id": envelope.id})
                    return Outcome.DUPLICATE
                await session.execute(insert(self.inbox).values(
                    event_id=envelope.id, topic=CONTRACTS[envelope.type].topic,
                    type=envelope.type, received_at=datetime.now(UTC)))
                recorded = True
                await handler(session, envelope, payload)
        except IntegrityError:
            if not recorded:
                return Outcome.DUPLICATE  # another consumer applied it a moment ago
            raise
        return Outcome.APPLIED

    async def _dead_letter(self, record: ConsumerRecord, error: str, kind: str) -> Outcome:
        headers = [
            *(record.headers or []),
            ("dlq.error", error[:4000].encode()),
            ("dlq.kind", kind.encode()),
            ("dlq.group", self.config.group_id.encode()),
            ("dlq.topic", record.topic.encode()),
            ("dlq.partition", str(record.partition).encode()),
            ("dlq.offset", str(record.offset).encode()),
        ]
        await self._call(self._send_dlq, record, headers)
        log.warning("event dead-lettered", extra={"topic": record.topic, "kind": kind,
                                                  "offset": record.offset, "error": error[:500]})
        return Outcome.DEAD_LETTERED

    def _send_dlq(self, record: ConsumerRecord, headers: list[tuple[str, bytes]]) -> None:
        if self._dlq is None:
            self._dlq = make_producer(self.config.bootstrap,
                                      client_id=f"{self.config.group_id}-dlq")
        self._dlq.send(dlq_topic(record.topic), key=record.key, value=record.value,
                       headers=headers).get(timeout=30)

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        consumer = self._consumer
        assert consumer is not None
        try:
            await self._call(consumer.commit, {tp: OffsetAndMetadata(offset, "", -1)})
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition away: the new owner re-reads from the last
            # committed offset and the inbox skips what was already applied here.
            log.warning("offset commit failed; events will be redelivered",
                        extra={"error": str(exc), "partition": tp.partition})

    def _open(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.config.bootstrap,
            group_id=self.config.group_id,
            client_id=f"{self.config.group_id}-consumer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.config.max_poll_records,
            metadata_max_age_ms=30_000,
            metrics_enabled=False,
        )
        # Join the group only once this client knows every topic's partitions: a member whose
        # metadata lacks a just-created topic is assigned none of it and would sit idle until
        # its next metadata refresh.
        deadline = time.monotonic() + 30
        for topic in self.config.topics:
            while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
                time.sleep(0.1)
        consumer.subscribe(list(self.config.topics))
        return consumer

    def _close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
        if self._dlq is not None:
            self._dlq.close(timeout=5)

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        # KafkaConsumer is not thread-safe: every call goes through the same single thread.
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)


def consumed_topics(handlers: Iterable[str]) -> tuple[str, ...]:
    """The topics that carry the given event types."""
    return tuple(sorted({CONTRACTS[t].topic for t in handlers}))
