"""Waiting that a stop signal cuts short (the loops of workers, relays and consumers)."""

from __future__ import annotations

import asyncio
import contextlib


async def stopped_after(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds`, or less if `stop` is set meanwhile; whether it is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()
