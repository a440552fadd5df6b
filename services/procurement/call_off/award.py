"""Evaluating a call-off's bids by MEAT (rules.evaluation) and awarding it; standstill."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.bid.models import Bid
from services.procurement.call_off import service as call_offs
from services.procurement.call_off.models import AWARDED, OPEN, CallOff
from services.procurement.database import outbox
from services.procurement.history.service import Actor
from services.procurement.rules import evaluation as meat
from services.procurement.rules.call_off import standstill_ends
from services.procurement.rules.framework import Framework
from services.procurement.supplier.models import ACTIVE, Supplier
from services.procurement.supplier.repository import status_on
from shared.auth import Principal
from shared.errors import Conflict, Forbidden
from shared.events.contracts.procurement import CallOffAwarded


async def evaluate(session: AsyncSession, call_off_id: str, *, by: Principal,
                   now: datetime) -> dict[str, Any]:
    """The MEAT ranking of the call-off's scored bids (after the deadline)."""
    call_off = await call_offs.get(session, call_off_id, by=by)
    if by.org_type == "SUPPLIER":
        raise Forbidden("the evaluation is for the PCT, its SHA and the DoH")
    if now < call_off.bid_deadline:
        raise Forbidden(f"bids are sealed until the deadline {call_off.bid_deadline.isoformat()}")
    excluded: list[dict[str, Any]] = []
    if call_off.evaluation is not None:
        ranking = call_off.evaluation
    else:
        ranking, excluded = await _rank(session, call_off, now)
    return {"call_off_id": call_off.id, "price_weight": call_off.price_weight,
            "quality_weight": call_off.quality_weight, "ranking": ranking,
            "excluded": excluded}


async def award(session: AsyncSession, call_off_id: str, *, by: Principal, now: datetime,
                framework: Framework) -> CallOff:
    """Award the call-off to the most economically advantageous tender; standstill starts."""
    call_off = await call_offs.get(session, call_off_id, by=by)
    access.require_own_pct(by, call_off.pct_id, "award its call-offs")
    if call_off.status != OPEN:
        raise Conflict(f"the call-off is {call_off.status}; only an open call-off is awarded")
    if now < call_off.bid_deadline:
        raise Conflict(f"bidding is open until {call_off.bid_deadline.isoformat()}; "
                       "the call-off is awarded after the deadline")
    ranking, _excluded = await _rank(session, call_off, now)
    before = await call_offs.snapshot(session, call_off)
    winner = ranking[0]
    call_off.status, call_off.evaluation = AWARDED, ranking
    call_off.awarded_bid_id, call_off.awarded_supplier_id = winner["bid_id"], winner["supplier_id"]
    call_off.award_decided_on = now.date()
    call_off.standstill_ends = standstill_ends(framework, now.date())
    await call_offs.changed(session, call_off, "awarded", before, by=Actor.of(by), now=now)
    await outbox.add(session, CallOffAwarded(
        call_off_id=call_off.id, pct_id=call_off.pct_id, supplier_id=winner["supplier_id"],
        standstill_ends=call_off.standstill_ends))
    return call_off


async def _rank(session: AsyncSession, call_off: CallOff, now: datetime,
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rank the bids of suppliers still active today; 409 while any of them is unscored."""
    rows = await session.execute(
        select(Bid, status_on(now.date())).join(Supplier, Supplier.code == Bid.supplier_id)
        .where(Bid.call_off_id == call_off.id))
    pairs = [(bid, status) for bid, status in rows.all()]
    bids = [bid for bid, status in pairs if status == ACTIVE]
    excluded = [{"bid_id": bid.id, "supplier_id": bid.supplier_id,
                 "reason": f"the supplier is {status} on the framework"}
                for bid, status in pairs if status != ACTIVE]
    if not bids:
        raise Conflict("there are no bids to evaluate; cancel the call-off and re-run it")
    unscored = sorted(bid.supplier_id for bid in bids if bid.scores is None)
    if unscored:
        raise Conflict(f"score every bid first; not yet scored: {', '.join(unscored)}")
    return _ranking(call_off, bids), excluded


def _ranking(call_off: CallOff, bids: Sequence[Bid]) -> list[dict[str, Any]]:
    criteria = [meat.Criterion(c["code"], c["weight"], c["max_score"]) for c in call_off.criteria]
    by_supplier = {bid.supplier_id: bid for bid in bids}
    scored = meat.evaluate(
        [meat.Bid(b.supplier_id, b.price_pence, dict(b.scores or {}), b.submitted_at)
         for b in bids],
        criteria=criteria, price_weight=call_off.price_weight,
        quality_weight=call_off.quality_weight)
    ranking = []
    for entry in scored:
        bid = by_supplier[entry.bid.supplier_id]
        shown = entry.display()
        ranking.append({
            "rank": entry.rank, "bid_id": bid.id, "supplier_id": bid.supplier_id,
            "price_pence": bid.price_pence, "quality_scores": dict(bid.scores or {}),
            "price_score": str(shown["price"]), "quality_score": str(shown["quality"]),
            "total": str(shown["total"])})
    return ranking
