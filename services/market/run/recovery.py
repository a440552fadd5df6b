"""Re-queueing runs whose worker died (no heartbeat for `run_stale_after` seconds).

Every market worker sweeps; the row locks (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and the
guarded writes make a run re-queued once even when two workers sweep at the same time.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from services.market.config import Settings
from services.market.run import lifecycle
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.stopping import stopped_after

log = logging.getLogger(__name__)


class Recovery:
    """The recovery loop of one worker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def serve(self, stop: asyncio.Event) -> None:
        engine = create_engine(self.settings.resolved_database_url(), pool_size=1)
        sessions = create_sessionmaker(engine)
        try:
            while not await stopped_after(stop, self.settings.run_recovery_interval):
                try:
                    async with session_scope(sessions) as session:
                        done = await lifecycle.recover(
                            session, now=datetime.now(UTC),
                            stale_after=self.settings.run_stale_after,
                            max_attempts=self.settings.run_max_attempts)
                    if done:
                        log.warning("stale runs recovered", extra={"runs": done})
                except Exception as exc:
                    log.warning("recovery sweep failed", extra={"error": str(exc)})
        finally:
            await engine.dispose()
