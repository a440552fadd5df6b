"""assurance.assessment.rated and procurement.contract.* -> the inputs of new runs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.market.observation import service
from shared.events.contracts.assurance import AssessmentRated
from shared.events.contracts.procurement import ContractAwarded, ContractSigned
from shared.events.envelope import Envelope


async def assessment_rated(session: AsyncSession, envelope: Envelope,
                           payload: AssessmentRated) -> None:
    await service.apply_rating(session, payload, at=envelope.time)


async def contract_awarded(session: AsyncSession, envelope: Envelope,
                           payload: ContractAwarded) -> None:
    await service.apply_award(session, payload, at=envelope.time)


async def contract_signed(session: AsyncSession, envelope: Envelope,
                          payload: ContractSigned) -> None:
    await service.apply_signature(session, payload, at=envelope.time)
