"""Async SQLAlchemy engine per service and the request-scoped session that commits once.

A GET, HEAD or OPTIONS request gets a read-only session instead: it never commits, and any
attempt to write through it (an added, changed or deleted object, an INSERT, UPDATE or DELETE)
raises `ReadOnlySessionError`, so a safe method can never half-write or silently drop data. On
PostgreSQL it runs without a transaction (AUTOCOMMIT), which saves the BEGIN and COMMIT round
trips; under READ COMMITTED each statement sees the same committed data either way
(docs/adr/0013-read-path.md).

Pooled PostgreSQL connections are not pinged on every checkout (`pool_pre_ping` costs three
round trips: BEGIN, a ping, ROLLBACK). Instead:

- a connection that sat in the pool for `IDLE_PING_AFTER` seconds or more is pinged when it is
  checked out, and replaced if the ping fails (a server restart or an idle-connection reaper
  between two quiet requests is therefore still invisible to callers);
- a connection in steady use is not pinged: if the server dies under it, the statement fails
  with a disconnect error, SQLAlchemy invalidates that connection *and every connection checked
  out before the error* (the pool's invalidation time), so the next checkouts reconnect;
- `pool_recycle` bounds a connection's age.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, event, exc
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool
from sqlalchemy.types import TypeDecorator

IDLE_PING_AFTER = 1.0  # seconds in the pool after which a connection is pinged at checkout
POOL_RECYCLE = 1800  # seconds: connections older than this are replaced at checkout
_IDLE_SINCE = "idle_since"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # requests served by a read-only session


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int | None = None,
                  ) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout.

    The pool keeps `pool_size` connections and may open `max_overflow` more (as many again when
    None), which it closes when they come back. Under steady concurrency above `pool_size` those
    extra connections are opened and closed over and over (on PostgreSQL a new backend process
    and TLS negotiation each time), so the API's engine keeps all it may open instead
    (`build_app`: `max_overflow=0`, a request beyond the pool waits for a connection).
    """
    overflow = pool_size if max_overflow is None else max_overflow
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        # A file database keeps its connections (each aiosqlite connection owns a thread, and
        # opening one costs a thread start plus the PRAGMAs); an in-memory one cannot be shared.
        pool: dict[str, Any] = (
            {"poolclass": NullPool} if in_memory else
            {"poolclass": AsyncAdaptedQueuePool, "pool_size": pool_size,
             "max_overflow": overflow})
        engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)
        _tune_sqlite(engine)
        return engine
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=overflow, pool_recycle=POOL_RECYCLE)
    _ping_when_idle(engine, IDLE_PING_AFTER)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _ping_when_idle(engine: AsyncEngine, idle_after: float) -> None:
    """Ping a pooled connection at checkout only when it has been idle `idle_after` seconds."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_after:
            return  # a fresh connection, or one in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool replaces this connection (and, lazily, every other one checked out before
            # now: a failed ping usually means the server restarted) and checks out again.
            raise exc.InvalidatePoolError(f"pooled connection failed its ping: {error}") from error


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (responses are built after it)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the caller finishes cleanly, roll back on any error."""
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


class ReadOnlySessionError(RuntimeError):
    """A write was attempted through a read-only session (a bug in the code, never the caller's)."""


class _ReadOnlySession(Session):
    def flush(self, objects: Any = None) -> None:
        _refuse_pending(self)
        super().flush(objects)


def _refuse_pending(session: Session) -> None:
    if session.new or session.deleted or session.dirty:
        raise ReadOnlySessionError(
            "a read-only session holds unsaved changes: safe methods (GET, HEAD, OPTIONS) "
            "must not write")


@event.listens_for(_ReadOnlySession, "do_orm_execute")
def _refuse_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError("a read-only session cannot run INSERT, UPDATE or DELETE")


def create_read_sessionmaker(
    bind: AsyncEngine | AsyncConnection, **options: Any,
) -> async_sessionmaker[AsyncSession]:
    """Read-only sessions for safe requests; on a PostgreSQL engine, without a transaction."""
    if isinstance(bind, AsyncEngine) and bind.dialect.name == "postgresql":
        bind = bind.execution_options(isolation_level="AUTOCOMMIT")
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False,
                              sync_session_class=_ReadOnlySession, **options)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = request.app.state
    if request.method in SAFE_METHODS:
        async with state.read_sessionmaker() as session:
            yield session
            _refuse_pending(session.sync_session)  # a change that was never flushed
        return
    # session_scope, inlined: one context-manager layer less on every request.
    async with state.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": the commit (or the read-only check) runs after the response body is built but
# before it is sent, so a failed commit becomes an error response instead of a 2xx for data that
# was never written.
SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back time-zone aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
