"""The consumer: applies each event exactly once, retries, then dead-letters.

Delivery is at least once (offsets are committed only after the events' transactions), and the
effect is exactly once: the handler runs in the same transaction as the inbox insert keyed by
event id, so a redelivered event finds its id and is skipped. A handler that keeps failing is
retried with backoff and then sent, with its error, to `<topic>.dlq`; the partition moves on.

Group commit: when a partition's poll holds a run of at least `batch_min` applicable events
(the consumer is behind), the run is applied in transactions of up to `batch_max` events: one
look-up of the ids already in the inbox, the handlers of the new ones in offset order (each
handler's writes flushed before the next runs), one insert of their inbox rows, one commit.
If anything in such a transaction fails, it is rolled back as a whole and its events go
through the one-event-per-transaction path, which retries and dead-letters event by event.
A shorter run (the consumer is keeping up) takes that per-event path directly, so each event
becomes visible as soon as it is applied.

An unreachable database (a restart, a failover, connections refused or cut) is no fault of the
event: either path tries the same event, or the same batch, again after a pause that doubles up
to `database_backoff_max`, for as long as it takes. Such tries never count toward
`max_retries` and never dead-letter; stopping the worker meanwhile commits nothing past the
last event applied.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any, TypeVar

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from pydantic import BaseModel, ValidationError
from sqlalchemy import ARRAY, String, Table, any_, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.events.contracts import CONTRACTS, dlq_topic
from shared.events.envelope import Envelope
from shared.events.relay import make_producer
from shared.faults import failpoint
from shared.logging import correlation_id
from shared.metrics import ConsumerMetrics, Metrics
from shared.stopping import stopped_after

log = logging.getLogger(__name__)
T = TypeVar("T")

Handler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
_TICK = timedelta(microseconds=1)  # the resolution of inbox.received_at
DLQ_KINDS = ("malformed", "contract", "handler")  # the `dlq.kind` header of a dead letter


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
    batch_min: int = 16  # a run of this many applicable events of a partition is group-committed
    batch_max: int = 200  # at most this many events per group-commit transaction
    database_backoff_max: float = 5.0  # longest pause between tries while the DB is unreachable


@dataclass(frozen=True)
class _Ready:
    """A record that decoded, met its contract and has a handler: it can be applied."""

    record: ConsumerRecord
    envelope: Envelope
    handler: Handler
    payload: BaseModel


@dataclass(frozen=True)
class _Rejected:
    """A record that goes to the DLQ without reaching a handler."""

    record: ConsumerRecord
    error: str
    kind: str


@dataclass(frozen=True)
class _Ignored:
    """A record of a type this service has no handler for."""

    record: ConsumerRecord


_Decoded = _Ready | _Rejected | _Ignored


class _TransactionEnded(RuntimeError):
    pass


class _Interrupted(Exception):
    """The worker was stopped while an event waited for the database: it stays unapplied."""


class Consumer:
    """Consumes `topics` in consumer group `group_id` and applies events through `handlers`."""

    def __init__(self, config: ConsumerConfig, *, handlers: dict[str, Handler],
                 sessionmaker: async_sessionmaker[AsyncSession], inbox: Table,
                 metrics: ConsumerMetrics | None = None) -> None:
        unknown = set(handlers) - set(CONTRACTS)
        if unknown:
            raise ValueError(f"handlers for unknown event types: {sorted(unknown)}")
        if config.batch_min < 2 or config.batch_max < config.batch_min:
            raise ValueError("need 2 <= batch_min <= batch_max")
        self.config = config
        self.handlers = handlers
        self.sessionmaker = sessionmaker
        self.inbox = inbox
        self.metrics = metrics or ConsumerMetrics(Metrics(config.group_id))
        self.metrics.declare(config.topics, [outcome.value for outcome in Outcome], DLQ_KINDS)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kafka-consumer")
        self._consumer: KafkaConsumer | None = None
        self._dlq: KafkaProducer | None = None
        self._last_stamp = datetime.min.replace(tzinfo=UTC)
        self._statements: dict[str, Any] = {}
        self._stop = asyncio.Event()  # run()'s stop event, once it runs

    async def run(self, stop: asyncio.Event) -> None:
        """Poll, apply and commit until `stop` is set."""
        consumer: KafkaConsumer = await self._call(self._open)
        self._consumer = consumer
        try:
            while not stop.is_set():
                batches = await self._call(self._poll, consumer)
                offsets: dict[TopicPartition, OffsetAndMetadata] = {}
                for tp, records in batches.items():
                    last = await self._apply_partition(records, stop)
                    if last is not None:
                        offsets[tp] = OffsetAndMetadata(last + 1, "", -1)
                    if stop.is_set():
                        break
                if offsets:
                    await self._commit(offsets)
        finally:
            await self._call(self._close)
            self._pool.shutdown(wait=False)

    def _poll(self, consumer: KafkaConsumer) -> dict[TopicPartition, list[ConsumerRecord]]:
        """Poll, then measure the lag, in the consumer's thread: what this poll returned is
        still to apply, so a partition's lag counts from its first record here."""
        batches: dict[TopicPartition, list[ConsumerRecord]] = consumer.poll(
            self.config.poll_timeout_ms, self.config.max_poll_records)
        try:
            self.metrics.set_lag(_lag(consumer, {tp: records[0].offset
                                                 for tp, records in batches.items() if records}))
        except Exception as exc:  # a figure for the dashboard must never stop consumption
            log.debug("consumer lag not measured", extra={"error": repr(exc)})
        return batches

    async def _apply_partition(self, records: Sequence[ConsumerRecord],
                               stop: asyncio.Event) -> int | None:
        """Apply `records` (one partition's, in offset order); the last offset applied.

        Stopped while waiting for the database, it answers the offset before the event it was
        waiting to apply: that event is redelivered, never committed unapplied."""
        self._stop = stop
        last: int | None = None
        try:
            for segment in self._segments([self._decode(record) for record in records]):
                if len(segment) >= self.config.batch_min:
                    ready = [item for item in segment if isinstance(item, _Ready)]
                    if await self._while_unreachable(partial(self._apply_batch, ready),
                                                     events=len(ready)):
                        last = segment[-1].record.offset
                        failpoint("consumer.after_apply")
                        if stop.is_set():
                            break
                        continue
                for item in segment:
                    await self._handle_decoded(item)
                    last = item.record.offset
                    failpoint("consumer.after_apply")
                    if stop.is_set():
                        return last
        except _Interrupted:
            log.info("stopped while waiting for the database; the event will be redelivered",
                     extra={"committing_up_to": last})
        return last

    def _segments(self, items: list[_Decoded]) -> Iterable[list[_Decoded]]:
        """Runs of applicable records (cut at `batch_max`), and every other record on its own."""
        run: list[_Decoded] = []
        for item in items:
            if isinstance(item, _Ready):
                run.append(item)
                if len(run) == self.config.batch_max:
                    yield run
                    run = []
                continue
            if run:
                yield run
                run = []
            yield [item]
        if run:
            yield run

    async def handle(self, record: ConsumerRecord) -> Outcome:
        """Apply one record: decode, dedupe, run the handler; dead-letter what cannot apply."""
        return await self._handle_decoded(self._decode(record))

    def _decode(self, record: ConsumerRecord) -> _Decoded:
        try:
            envelope = Envelope.from_bytes(record.value)
        except (ValidationError, ValueError) as exc:
            return _Rejected(record, f"malformed envelope: {exc}", "malformed")
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return _Ignored(record)
        try:
            model: type[BaseModel] = CONTRACTS[envelope.type].model
            payload = model.model_validate(envelope.data)
        except ValidationError as exc:
            return _Rejected(record, f"payload breaks its contract: {exc}", "contract")
        return _Ready(record, envelope, handler, payload)

    async def _handle_decoded(self, item: _Decoded) -> Outcome:
        outcome = await self._outcome(item)
        self.metrics.counted(item.record.topic, outcome.value)
        return outcome

    async def _outcome(self, item: _Decoded) -> Outcome:
        if isinstance(item, _Rejected):
            return await self._dead_letter(item.record, item.error, item.kind)
        if isinstance(item, _Ignored):
            return Outcome.IGNORED
        token = correlation_id.set(item.envelope.correlationid)
        try:
            return await self._apply_with_retries(item.record, item.envelope, item.handler,
                                                  item.payload)
        finally:
            correlation_id.reset(token)

    async def _apply_batch(self, items: list[_Ready]) -> bool:
        """Apply `items` in one transaction; False (nothing applied) if any part of it failed."""
        duplicates: list[str] = []
        try:
            async with self.sessionmaker() as session, session.begin():
                transaction = session.sync_session.get_transaction()
                seen = await self._present(session, [item.envelope.id for item in items])
                applied: list[Envelope] = []
                for item in items:
                    envelope = item.envelope
                    if envelope.id in seen:
                        duplicates.append(envelope.id)
                        continue
                    seen.add(envelope.id)  # the same event twice in one batch (republished)
                    token = correlation_id.set(envelope.correlationid)
                    try:
                        await item.handler(session, envelope, item.payload)
                        await session.flush()  # what the next handler reads is in the database
                    finally:
                        correlation_id.reset(token)
                    if session.sync_session.get_transaction() is not transaction:
                        raise _TransactionEnded("a handler ended the consumer's transaction")
                    session.expunge_all()  # each handler starts from the database, not a cache
                    applied.append(envelope)
                if applied:
                    await session.execute(insert(self.inbox),
                                          [self._inbox_row(envelope) for envelope in applied])
        except Exception as exc:
            if _database_unreachable(exc):
                raise  # not the events' fault: the whole batch is tried again
            log.warning("batch not applied; applying its events one by one",
                        extra={"events": len(items), "error": f"{type(exc).__name__}: {exc}"})
            return False
        for event_id in duplicates:
            log.info("duplicate event skipped", extra={"event_id": event_id})
        topic = items[0].record.topic  # one partition's run
        self.metrics.counted(topic, Outcome.APPLIED.value, len(items) - len(duplicates))
        self.metrics.counted(topic, Outcome.DUPLICATE.value, len(duplicates))
        return True

    async def _present(self, session: AsyncSession, event_ids: list[str]) -> set[str]:
        """Which of `event_ids` the inbox already holds."""
        column = self.inbox.c.event_id
        if _dialect(session) == "postgresql":
            # One array parameter: one prepared statement whatever the batch size.
            condition = column == any_(bindparam("ids", event_ids, type_=ARRAY(String())))
        else:
            condition = column.in_(event_ids)
        return set(await session.scalars(select(column).where(condition)))

    async def _apply_with_retries(self, record: ConsumerRecord, envelope: Envelope,
                                  handler: Handler, payload: BaseModel) -> Outcome:
        attempt = 0  # handler failures only: waiting for the database is no attempt
        while True:
            try:
                return await self._while_unreachable(
                    partial(self._apply_once, envelope, handler, payload), event_id=envelope.id)
            except _Interrupted:
                raise
            except Exception as exc:
                attempt += 1
                if attempt > self.config.max_retries:
                    log.exception("event failed after retries; dead-lettering",
                                  extra={"event_id": envelope.id, "type": envelope.type})
                    return await self._dead_letter(record, f"{type(exc).__name__}: {exc}",
                                                   "handler")
                await asyncio.sleep(self.config.retry_backoff * 2 ** (attempt - 1))

    async def _while_unreachable(self, attempt: Callable[[], Awaitable[T]],
                                 **context: Any) -> T:
        """`attempt()`, tried again after a growing pause for as long as it fails because the
        database is unreachable (a restart, a failover): such a failure says nothing about the
        event, so it is never retried away into the DLQ. Raises _Interrupted on stop."""
        pause = max(self.config.retry_backoff, 0.05)
        while True:
            try:
                return await attempt()
            except Exception as exc:
                if not _database_unreachable(exc):
                    raise
                log.warning("database unreachable; will try the same event(s) again",
                            extra={**context, "retry_in": pause,
                                   "error": f"{type(exc).__name__}: {exc}"[:500]})
                if await stopped_after(self._stop, pause):
                    raise _Interrupted from exc
                pause = min(pause * 2, self.config.database_backoff_max)

    async def _apply_once(self, envelope: Envelope, handler: Handler,
                          payload: BaseModel) -> Outcome:
        recorded = False
        try:
            async with self.sessionmaker() as session, session.begin():
                recorded = await self._record(session, envelope)
                if not recorded:
                    log.info("duplicate event skipped", extra={"event_id": envelope.id})
                    return Outcome.DUPLICATE
                await handler(session, envelope, payload)
        except IntegrityError:
            if not recorded:
                return Outcome.DUPLICATE  # another consumer applied it a moment ago
            raise
        return Outcome.APPLIED

    async def _record(self, session: AsyncSession, envelope: Envelope) -> bool:
        """Insert the event's inbox row; False when the inbox already holds it."""
        row = self._inbox_row(envelope)
        dialect = _dialect(session)
        if dialect in ("postgresql", "sqlite"):
            # One round trip: insert unless present (a concurrent insert of the same id by
            # another consumer is waited for, then counts as present).
            return await session.scalar(self._insert_new(dialect), row) is not None
        seen = await session.scalar(
            select(self.inbox.c.event_id).where(self.inbox.c.event_id == envelope.id))
        if seen is not None:
            return False
        await session.execute(insert(self.inbox).values(**row))
        return True

    def _insert_new(self, dialect: str) -> Any:
        """INSERT INTO inbox ... ON CONFLICT DO NOTHING RETURNING event_id, built once."""
        statement = self._statements.get(dialect)
        if statement is None:
            insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = self._statements[dialect] = (
                insert_(self.inbox).on_conflict_do_nothing(index_elements=[self.inbox.c.event_id])
                .returning(self.inbox.c.event_id))
        return statement

    def _inbox_row(self, envelope: Envelope) -> dict[str, Any]:
        return {"event_id": envelope.id, "topic": CONTRACTS[envelope.type].topic,
                "type": envelope.type, "received_at": self._stamp()}

    def _stamp(self) -> datetime:
        """Now, but strictly after the previous stamp: inbox.received_at orders applications."""
        now = datetime.now(UTC)
        if now <= self._last_stamp:
            now = self._last_stamp + _TICK
        self._last_stamp = now
        return now

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
        self.metrics.dead_lettered(record.topic, kind)
        log.warning("event dead-lettered", extra={"topic": record.topic, "kind": kind,
                                                  "offset": record.offset, "error": error[:500]})
        return Outcome.DEAD_LETTERED

    def _send_dlq(self, record: ConsumerRecord, headers: list[tuple[str, bytes]]) -> None:
        if self._dlq is None:
            self._dlq = make_producer(self.config.bootstrap,
                                      client_id=f"{self.config.group_id}-dlq")
        self._dlq.send(dlq_topic(record.topic), key=record.key, value=record.value,
                       headers=headers).get(timeout=30)

    async def _commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        consumer = self._consumer
        assert consumer is not None
        try:
            await self._call(consumer.commit, offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partition away: the new owner re-reads from the last
            # committed offset and the inbox skips what was already applied here.
            log.warning("offset commit failed; events will be redelivered",
                        extra={"error": str(exc),
                               "partitions": sorted(tp.partition for tp in offsets)})

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


def _lag(consumer: KafkaConsumer, pending: dict[TopicPartition, int]) -> dict[tuple[str, int], int]:
    """Per assigned partition: its end offset minus the next offset to apply (the first record
    of `pending`, else the consumer's position). Partitions not fetched yet are left out."""
    lag: dict[tuple[str, int], int] = {}
    for tp in consumer.assignment():
        end = consumer.highwater(tp)
        if end is None:
            continue
        following = pending.get(tp)
        if following is None:
            following = consumer.position(tp, timeout_ms=100)
        if following is not None:
            lag[(tp.topic, tp.partition)] = max(0, end - following)
    return lag


_DRIVERS = ("sqlalchemy.", "asyncpg", "psycopg", "aiosqlite")
# Besides class 08 (connection exception): admin or crash shutdown, cannot connect now (starting
# up or shutting down), too many connections.
_UNREACHABLE_SQLSTATES = ("57P01", "57P02", "57P03", "53300")


def _database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` (or an error it came from) says the database could not be reached, as
    opposed to an error of the event or its handler (IntegrityError, ValueError, ...)."""
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, (OperationalError, InterfaceError, DisconnectionError)):
            return True
        sqlstate = str(getattr(error, "sqlstate", None) or "")
        if sqlstate.startswith("08") or sqlstate in _UNREACHABLE_SQLSTATES:
            return True
        if isinstance(error, OSError) and _raised_by_driver(error):
            return True  # connection refused or reset, host unknown, connect timeout
        error = error.__cause__ or error.__context__
    return False


def _raised_by_driver(error: BaseException) -> bool:
    """Whether `error` came up through SQLAlchemy or a database driver (not a handler's own
    file or socket)."""
    frame = error.__traceback__
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith(_DRIVERS):
            return True
        frame = frame.tb_next
    return False


def _dialect(session: AsyncSession) -> str:
    return str(session.get_bind().dialect.name)


def consumed_topics(handlers: Iterable[str]) -> tuple[str, ...]:
    """The topics that carry the given event types."""
    return tuple(sorted({CONTRACTS[t].topic for t in handlers}))
