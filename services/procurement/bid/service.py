"""Submitting sealed bids, reading them (sealed until the deadline), and scoring them.

Each bid keeps its own history (aggregate `bid`): submitted, replaced, scored. It holds the
price, so it is read exactly like the bid itself: by its supplier at any time and by the
buyer's side after the deadline; never in the call-off's history, which every invitee reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.bid.models import Bid
from services.procurement.bid.schemas import BidCreate, ScoresIn
from services.procurement.call_off import service as call_offs
from services.procurement.call_off.models import OPEN, CallOff
from services.procurement.database import outbox
from services.procurement.history import service as history
from services.procurement.history.models import Change
from services.procurement.history.service import Actor
from services.procurement.request.content import rule_violation
from services.procurement.rules.framework import Framework
from services.procurement.rules.packages import Violation
from services.procurement.rules.payments import check_risk_transfer, parse_terms
from services.procurement.supplier import service as suppliers
from services.procurement.supplier.models import ACTIVE, Supplier
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from shared.events.contracts.procurement import BidSubmitted

AGGREGATE = "bid"


async def submit(session: AsyncSession, call_off_id: str, data: BidCreate, *, by: Principal,
                 now: datetime, framework: Framework) -> Bid:
    """Submit (or, before the deadline, replace) the caller's supplier's bid."""
    code = await access.require_supplier(session, by)
    call_off = await call_offs.get(session, call_off_id, by=by)
    supplier = await session.get(Supplier, code)
    status = suppliers.standing_on(supplier, now.date()).status if supplier else "unknown"
    if status != ACTIVE:
        raise Conflict(f"supplier {code} is {status} on the framework and cannot bid")
    if call_off.status != OPEN or now >= call_off.bid_deadline:
        raise Conflict(f"bidding for this call-off closed at {call_off.bid_deadline.isoformat()}"
                       if call_off.status == OPEN else f"the call-off is {call_off.status}")
    _check_bid(framework, call_off, data, now)
    bid = await session.scalar(select(Bid).where(Bid.call_off_id == call_off.id,
                                                 Bid.supplier_id == code))
    before = snapshot(bid) if bid is not None else {}
    if bid is None:
        bid = Bid(call_off_id=call_off.id, supplier_id=code, version=0)
        session.add(bid)
    bid.price_pence, bid.answers = data.price_pence, dict(data.answers)
    bid.payment_model, bid.payment_terms = data.payment_model, data.payment_terms
    bid.submitted_at, bid.submitted_by, bid.version = now, by.subject, bid.version + 1
    await session.flush()
    action = "submitted" if bid.version == 1 else "replaced"
    await _record(session, bid, action, before, by=Actor.of(by), now=now)
    await outbox.add(session, BidSubmitted(bid_id=bid.id, call_off_id=call_off.id,
                                           supplier_id=code, submitted_at=now,
                                           version=bid.version))
    return bid


async def get_all(session: AsyncSession, call_off_id: str, *, by: Principal,
                  now: datetime) -> Sequence[Bid]:
    """A supplier's own bid; everyone else sees every bid, but only after the deadline."""
    call_off = await call_offs.get(session, call_off_id, by=by)
    query = select(Bid).where(Bid.call_off_id == call_off.id).order_by(Bid.submitted_at)
    code = await access.supplier_code(session, by)
    if code is not None:
        return (await session.scalars(query.where(Bid.supplier_id == code))).all()
    _require_unsealed(call_off, now)
    return (await session.scalars(query)).all()


async def get(session: AsyncSession, bid_id: str, *, by: Principal, now: datetime) -> Bid:
    bid = await session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(f"bid {bid_id} does not exist or is not yours to see")
    call_off = await call_offs.get(session, bid.call_off_id, by=by)
    code = await access.supplier_code(session, by)
    if by.org_type == "SUPPLIER":
        if code != bid.supplier_id:
            raise NotFound(f"bid {bid_id} does not exist or is not yours to see")
        return bid
    _require_unsealed(call_off, now)
    return bid


async def score(session: AsyncSession, bid_id: str, data: ScoresIn, *, by: Principal,
                now: datetime) -> Bid:
    """Record the PCT evaluator's quality scores for a bid (replaceable until the award)."""
    bid = await get(session, bid_id, by=by, now=now)
    call_off = await call_offs.get(session, bid.call_off_id, by=by)
    access.require_own_pct(by, call_off.pct_id, "evaluate its call-offs' bids")
    if call_off.status != OPEN:
        raise Conflict(f"the call-off is {call_off.status}; its bids can no longer be scored")
    _check_scores(call_off, data.scores)
    before = snapshot(bid)
    bid.scores, bid.scored_by, bid.scored_at = dict(data.scores), by.subject, now
    await _record(session, bid, "scored", before, by=Actor.of(by), now=now)
    return bid


async def history_of(session: AsyncSession, bid_id: str, *, by: Principal,
                     now: datetime) -> Sequence[Change]:
    """The bid's history, for whoever may read the bid itself (prices included)."""
    bid = await get(session, bid_id, by=by, now=now)
    return await history.changes(session, AGGREGATE, bid.id)


def snapshot(bid: Bid) -> dict[str, Any]:
    """The bid as its own history records it (JSON-ready)."""
    return {
        "supplier_id": bid.supplier_id, "price_pence": bid.price_pence,
        "answers": dict(bid.answers), "payment_model": bid.payment_model,
        "payment_terms": dict(bid.payment_terms), "submitted_at": bid.submitted_at.isoformat(),
        "scores": dict(bid.scores) if bid.scores is not None else None,
    }


async def _record(session: AsyncSession, bid: Bid, action: str, before: dict[str, Any], *,
                  by: Actor, now: datetime) -> None:
    # Scoring changes the bid but not its `version` (which counts submissions), so the
    # history numbers its own entries.
    history.record(session, aggregate=AGGREGATE, aggregate_id=bid.id,
                   version=await history.next_version(session, AGGREGATE, bid.id),
                   action=action, actor=by, at=now, before=before, after=snapshot(bid))


def _require_unsealed(call_off: CallOff, now: datetime) -> None:
    if now < call_off.bid_deadline:
        raise Forbidden("bids are sealed until the deadline "
                        f"{call_off.bid_deadline.isoformat()}")


def _check_bid(framework: Framework, call_off: CallOff, data: BidCreate, now: datetime) -> None:
    codes = {c["code"] for c in call_off.criteria}
    if set(data.answers) != codes:
        raise rule_violation("the bid cannot be accepted", [Violation(
            "answers", f"answer exactly the published criteria {sorted(codes)}; "
                       f"given {sorted(data.answers)}")])
    try:
        parse_terms(data.payment_model, data.payment_terms)
    except ValidationError as exc:
        raise RuleViolation(
            f"the {data.payment_model} terms are not valid",
            errors=[{"loc": ["body", "payment_terms", *_field_path(err["loc"], data)],
                     "msg": err["msg"]} for err in exc.errors()]) from None
    refusal = check_risk_transfer(framework, call_off.package_type, data.payment_model,
                                  data.payment_terms, now.date())
    if refusal:
        raise rule_violation("the bid's payment terms are refused",
                             [Violation("payment_terms", refusal)])


def _field_path(loc: tuple[Any, ...], data: BidCreate) -> list[Any]:
    # A discriminated union puts the model's tag first; the client knows the field path only.
    return list(loc[1:] if loc and loc[0] == data.payment_model else loc)


def _check_scores(call_off: CallOff, scores: dict[str, Any]) -> None:
    criteria = {c["code"]: c["max_score"] for c in call_off.criteria}
    violations = []
    if set(scores) != set(criteria):
        violations.append(Violation("scores", f"score exactly the criteria {sorted(criteria)}; "
                                              f"given {sorted(scores)}"))
    violations += [Violation("scores", f"{code}: {value} is outside 0..{criteria[code]}")
                   for code, value in scores.items()
                   if code in criteria and not 0 <= value <= criteria[code]]
    if violations:
        raise rule_violation("the scores cannot be recorded", violations)
