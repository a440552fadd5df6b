"""Applying autonomy decisions, and the freedoms a PCT holds on a given day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.freedom.models import GRANTED, REVOKED, PctFreedom
from services.procurement.rules.approvals import Freedoms
from shared.events.contracts.assurance import AutonomyGranted, AutonomyRevoked


async def apply_granted(session: AsyncSession, event: AutonomyGranted, *, at: datetime) -> None:
    """The PCT's freedoms become those of this decision (it replaces any earlier one)."""
    row = await session.get(PctFreedom, event.pct_id)
    if row is None:
        row = PctFreedom(pct_id=event.pct_id)
        session.add(row)
    freedoms = event.freedoms
    row.sha_id, row.decision_id, row.cycle_id = event.sha_id, event.decision_id, event.cycle_id
    row.tier, row.reasons = event.tier, list(event.reasons)
    row.review_frequency_months = freedoms.review_frequency_months
    row.financial_autonomy_threshold_pence = freedoms.financial_autonomy_threshold_pence
    row.joint_ventures_without_doh = freedoms.joint_ventures_without_doh_permission
    row.valid_from, row.valid_to = event.valid_from, event.valid_to
    row.status, row.revoked_on, row.revoked_reason, row.revoked_note = GRANTED, None, None, None
    row.updated_at = at


async def apply_revoked(session: AsyncSession, event: AutonomyRevoked, *, at: datetime) -> None:
    """Revoke the PCT's freedoms, if this is the decision they came from (else it is stale)."""
    row = await session.get(PctFreedom, event.pct_id)
    if row is None or row.decision_id != event.decision_id:
        return
    row.status, row.revoked_on = REVOKED, event.revoked_on
    row.revoked_reason, row.revoked_note = event.reason, event.note
    row.updated_at = at


async def current_row(session: AsyncSession, pct_id: str, on: date) -> PctFreedom | None:
    """The decision in force for the PCT on `on` (granted, not revoked by then, in validity)."""
    row = await session.get(PctFreedom, pct_id)
    if row is None or not row.valid_from <= on <= row.valid_to:
        return None
    if row.status == REVOKED and row.revoked_on is not None and row.revoked_on <= on:
        return None
    return row


async def held_on(session: AsyncSession, pct_id: str, on: date) -> Freedoms:
    """The freedoms that change a request's approvals (none without a decision in force)."""
    row = await current_row(session, pct_id, on)
    if row is None:
        return Freedoms()
    return Freedoms(financial_autonomy_threshold_pence=row.financial_autonomy_threshold_pence,
                    joint_ventures_without_doh=row.joint_ventures_without_doh)
