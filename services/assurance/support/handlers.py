"""Events from procurement that assurance applies."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.support import service
from shared.events.contracts.procurement import ContractAwarded
from shared.events.envelope import Envelope


async def contract_awarded(session: AsyncSession, _envelope: Envelope,
                           payload: ContractAwarded) -> None:
    """procurement.contract.awarded.v1: external support on record in the PCT's assessment."""
    await service.record_contract(session, payload)
