"""Helpers for the tests of shared/ that run real processes against PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from shared.db import create_engine


@asynccontextmanager
async def locked(url: str, table: str) -> AsyncIterator[None]:
    """Hold an ACCESS EXCLUSIVE lock on `table`: whoever reads or writes it waits until the
    block ends."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        await conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await conn.commit()
    await engine.dispose()


async def waiting_for(url: str, table: str) -> int:
    """How many sessions are waiting for a lock on `table`."""
    engine = create_engine(url)
    async with engine.connect() as conn:
        waiting = await conn.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = :table AND NOT l.granted"), {"table": table})
    await engine.dispose()
    return int(waiting or 0)
