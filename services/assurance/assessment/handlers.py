"""Events from integrators that change an assessment."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment import reported
from shared.events.contracts.assurance import OutcomeReported
from shared.events.envelope import Envelope


async def outcome_reported(session: AsyncSession, _envelope: Envelope,
                           payload: OutcomeReported) -> None:
    """assurance.outcome.reported.v1: the actual value of one of the PCT's chosen outcomes.

    A report that cannot apply raises, so the consumer retries it and then dead-letters it
    (reported.OutcomeReportRejected says why)."""
    await reported.record(session, payload)
