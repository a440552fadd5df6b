"""market.run.requested -> this worker claims the run and executes it after the commit."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.market.run import lifecycle
from services.market.run.executor import CURRENT_EXECUTOR
from shared.events.contracts.market import RunRequested
from shared.events.envelope import Envelope

log = logging.getLogger(__name__)


async def run_requested(session: AsyncSession, envelope: Envelope,
                        payload: RunRequested) -> None:
    """queued -> running inside the inbox transaction (a short one) when this worker has a
    free slot; the study itself runs on this worker's executor once that transaction has
    committed."""
    executor = CURRENT_EXECUTOR.get()
    if executor is None:
        log.warning("this worker has no run executor (start it with services.market.worker); "
                    "the run stays queued", extra={"run_id": payload.run_id})
        return
    if not executor.has_capacity():
        # Busy: leave the run queued, so that an idle worker of the group picks it up
        # (RunExecutor's pick-up loop) instead of it waiting behind this worker's runs.
        log.info("worker busy; run left queued for an idle worker",
                 extra={"run_id": payload.run_id})
        return
    if await lifecycle.claim(session, payload.run_id, worker_id=executor.worker_id,
                             now=datetime.now(UTC)):
        executor.submit_after_commit(session, payload.run_id)
    else:
        log.info("run not queued; request skipped", extra={"run_id": payload.run_id,
                                                           "attempt": payload.attempt})
