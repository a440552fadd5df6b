"""assurance.support_need.identified and assurance.assessment.rated -> the PCT dashboard."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.recommendation import service
from shared.events.contracts.assurance import AssessmentRated, SupportNeedIdentified
from shared.events.envelope import Envelope


async def support_need_identified(session: AsyncSession, envelope: Envelope,
                                  payload: SupportNeedIdentified) -> None:
    await service.apply_support_need(session, payload, at=envelope.time)


async def assessment_rated(session: AsyncSession, envelope: Envelope,
                           payload: AssessmentRated) -> None:
    await service.apply_rating(session, payload, at=envelope.time)
