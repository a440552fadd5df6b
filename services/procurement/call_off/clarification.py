"""Clarification questions in the window before the clarification deadline.

An invited supplier asks; the PCT answers; every invitee sees every answered question, without
who asked it (so that no supplier learns another's approach). The PCT sees who asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.call_off import service as call_offs
from services.procurement.call_off.models import OPEN, Clarification
from shared.auth import Principal
from shared.errors import Conflict, NotFound


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
    return clarification


async def answer(session: AsyncSession, call_off_id: str, clarification_id: str, text: str, *,
                 by: Principal, now: datetime) -> Clarification:
    call_off = await call_offs.get(session, call_off_id, by=by)
    access.require_own_pct(by, call_off.pct_id, "answer its call-offs' clarifications")
    clarification = await session.get(Clarification, clarification_id)
    if clarification is None or clarification.call_off_id != call_off.id:
        raise NotFound(f"clarification {clarification_id} is not one of this call-off's")
    if call_off.status != OPEN or now >= call_off.bid_deadline:
        raise Conflict("answers are given while bidding is open")
    clarification.answer, clarification.answered_by, clarification.answered_at = (
        text, by.subject, now)
    return clarification


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
