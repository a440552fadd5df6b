"""assurance.autonomy.granted/revoked -> the PCT's freedoms."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.freedom import service
from shared.events.contracts.assurance import AutonomyGranted, AutonomyRevoked
from shared.events.envelope import Envelope


async def autonomy_granted(session: AsyncSession, envelope: Envelope,
                           payload: AutonomyGranted) -> None:
    await service.apply_granted(session, payload, at=envelope.time)


async def autonomy_revoked(session: AsyncSession, envelope: Envelope,
                           payload: AutonomyRevoked) -> None:
    await service.apply_revoked(session, payload, at=envelope.time)
