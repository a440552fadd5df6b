"""Clarification questions in the window before the clarification deadline.

An invited supplier asks; the PCT answers; every invitee sees every answered question, without
who asked it (so that no supplier learns another's approach). The PCT sees who asked.
Each question keeps its own history (asked, answered), which names the asker: it is read by the
buyer's side and by the supplier that asked, never by the other invitees.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.call_off import service as call_offs
from services.procurement.call_off.models import OPEN, Clarification
from services.procurement.history import service as history
from services.procurement.history.models import Change
from services.procurement.history.service import Actor
from shared.auth import Principal
from shared.errors import Conflict, NotFound

AGGREGATE = "clarification"


async def ask(session: AsyncSession, call_off_id: str, question: str, *, by: Principal,
              now: datetime) -> Clarification:
    code = await access.require_supplier(session, by)
    call_off = await call_offs.get(session, call_off_id, by=by)
    if call_off.status != OPEN or now >= call_off.clarification_deadline:
        raise Conflict("the clarification window closed at "
                       f"{call_off.clarification_deadline.isoformat()}")
    clarification = Clarification(call_off_id=call_off.id, supplier_id=code, question=question,
                                  asked_at=now)
    session.add(clarification)
    await session.flush()
    await _record(session, clarification, "asked", {}, by=by, at=now)
    return clarification


async def answer(session: AsyncSession, call_off_id: str, clarification_id: str, text: str, *,
                 by: Principal, now: datetime) -> Clarification:
    call_off = await call_offs.get(session, call_off_id, by=by)
    access.require_own_pct(by, call_off.pct_id, "answer its call-offs' clarifications")
    clarification = await _one(session, call_off.id, clarification_id)
    if call_off.status != OPEN or now >= call_off.bid_deadline:
        raise Conflict("answers are given while bidding is open")
    before = snapshot(clarification)
    clarification.answer, clarification.answered_by, clarification.answered_at = (
        text, by.subject, now)
    await _record(session, clarification, "answered", before, by=by, at=now)
    return clarification


async def history_of(session: AsyncSession, call_off_id: str, clarification_id: str, *,
                     by: Principal) -> Sequence[Change]:
    """A question's history: for the buyer's side and the supplier that asked it."""
    call_off = await call_offs.get(session, call_off_id, by=by)
    clarification = await _one(session, call_off.id, clarification_id)
    if by.org_type == "SUPPLIER" and (
            await access.supplier_code(session, by) != clarification.supplier_id):
        raise NotFound(f"clarification {clarification_id} is not one of yours")
    return await history.changes(session, AGGREGATE, clarification.id)


def snapshot(clarification: Clarification) -> dict[str, Any]:
    answered = clarification.answered_at
    return {"call_off_id": clarification.call_off_id, "supplier_id": clarification.supplier_id,
            "question": clarification.question, "answer": clarification.answer,
            "answered_at": answered.isoformat() if answered is not None else None}


async def _one(session: AsyncSession, call_off_id: str, clarification_id: str) -> Clarification:
    clarification = await session.get(Clarification, clarification_id)
    if clarification is None or clarification.call_off_id != call_off_id:
        raise NotFound(f"clarification {clarification_id} is not one of this call-off's")
    return clarification


async def _record(session: AsyncSession, clarification: Clarification, action: str,
                  before: dict[str, Any], *, by: Principal, at: datetime) -> None:
    history.record(session, aggregate=AGGREGATE, aggregate_id=clarification.id,
                   version=await history.next_version(session, AGGREGATE, clarification.id),
                   action=action, actor=Actor.of(by), at=at, before=before,
                   after=snapshot(clarification))


async def get_all(session: AsyncSession, call_off_id: str, *,
                  by: Principal) -> Sequence[Clarification]:
    """The PCT (and its SHA, DoH) sees all; a supplier its own and every answered one."""
    call_off = await call_offs.get(session, call_off_id, by=by)
    query = select(Clarification).where(Clarification.call_off_id == call_off.id)
    code = await access.supplier_code(session, by)
    if by.org_type == "SUPPLIER":
        query = query.where(or_(Clarification.supplier_id == code,
                                Clarification.answer.is_not(None)))
    return (await session.scalars(query.order_by(Clarification.asked_at))).all()


def view(clarification: Clarification, *, by: Principal, code: str | None) -> dict[str, object]:
    """What the caller may read of a clarification: suppliers never see who else asked."""
    asker: str | None = clarification.supplier_id
    if by.org_type == "SUPPLIER" and asker != code:
        asker = None
    return {"id": clarification.id, "question": clarification.question,
            "asked_at": clarification.asked_at, "supplier_id": asker,
            "answer": clarification.answer, "answered_at": clarification.answered_at}
