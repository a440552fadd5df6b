"""Opening, cancelling and re-running call-offs; who sees them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.call_off import repository
from services.procurement.call_off.models import (
    AWARDED,
    CANCELLED,
    OPEN,
    CallOff,
    Invitation,
)
from services.procurement.call_off.schemas import CallOffCreate, Cancellation, RerunCreate
from services.procurement.database import outbox
from services.procurement.history import service as history
from services.procurement.history.service import Actor
from services.procurement.ocds import feed
from services.procurement.request import service as requests
from services.procurement.request.content import rule_violation
from services.procurement.request.models import APPROVED, PROCURING, ProcurementRequest
from services.procurement.request.repository import page as paged
from services.procurement.rules import call_off as rules
from services.procurement.rules.evaluation import Criterion, EvaluationError, check_weights
from services.procurement.rules.framework import Framework
from services.procurement.rules.packages import Violation
from services.procurement.supplier import service as suppliers
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.contracts.procurement import CallOffCancelled, CallOffPublished
from shared.pagination import PageParams

AGGREGATE = "call_off"
# The steps that change what the open data says (scores stay internal; the award is published
# with its contract, as the OCDS rules model it).
OPEN_DATA_STEPS = frozenset({"published", "cancelled", "contracted"})


@dataclass(frozen=True, slots=True)
class Terms:
    """What a call-off publishes: deadlines, weights and criteria."""

    clarification_deadline: datetime
    bid_deadline: datetime
    price_weight: int
    quality_weight: int
    criteria: list[dict[str, Any]]


async def visible(session: AsyncSession, by: Principal) -> ColumnElement[bool]:
    """The call-offs the caller may see: its PCTs', or (suppliers) those it is invited to."""
    if by.org_type != "SUPPLIER":
        return await access.pct_scope(session, by, CallOff.pct_id)
    code = await access.supplier_code(session, by)
    if code is None:
        return false()
    return CallOff.id.in_(select(Invitation.call_off_id).where(Invitation.supplier_id == code))


async def get(session: AsyncSession, call_off_id: str, *, by: Principal) -> CallOff:
    call_off = await session.scalar(select(CallOff).where(
        CallOff.id == call_off_id, await visible(session, by)))
    if call_off is None:
        raise NotFound(f"call-off {call_off_id} does not exist or is not yours to see")
    return call_off


async def get_all(session: AsyncSession, page: PageParams, *, by: Principal,
                  status: str | None = None, request_id: str | None = None,
                  ) -> tuple[Sequence[CallOff], int]:
    query = select(CallOff).where(await visible(session, by))
    if status is not None:
        query = query.where(CallOff.status == status)
    if request_id is not None:
        query = query.where(CallOff.request_id == request_id)
    order = (CallOff.published_at.desc(), CallOff.id)
    return await paged(session, query, order, limit=page.limit, offset=page.offset)


async def publish(session: AsyncSession, data: CallOffCreate, *, by: Principal, now: datetime,
                  framework: Framework) -> CallOff:
    """Open a mini-competition for an approved request and invite every eligible supplier."""
    request = await requests.get(session, data.request_id, by=by)
    access.require_own_pct(by, request.pct_id, "open its call-offs")
    if request.status != APPROVED:
        raise Conflict(f"the request is {request.status}; a call-off needs an approved request "
                       "with no call-off under way")
    terms = _terms(framework, data)
    _check_opening(framework, terms, now)
    return await _open(session, request, terms, title=data.title or request.title,
                       run_number=1, previous=None, by=by, now=now, framework=framework)


async def rerun(session: AsyncSession, call_off_id: str, data: RerunCreate, *,
                by: Principal, now: datetime, framework: Framework) -> CallOff:
    """Run a cancelled call-off again with new deadlines (same request, criteria, weights)."""
    old = await get(session, call_off_id, by=by)
    access.require_own_pct(by, old.pct_id, "re-run its call-offs")
    if old.status != CANCELLED:
        raise Conflict(f"the call-off is {old.status}; only a cancelled call-off is re-run")
    request = await requests.get(session, old.request_id, by=by)
    if request.status != APPROVED:
        raise Conflict(f"the request is {request.status}; another call-off is under way")
    terms = Terms(data.clarification_deadline, data.bid_deadline, old.price_weight,
                  old.quality_weight, list(old.criteria))
    _check_opening(framework, terms, now)
    return await _open(session, request, terms, title=old.title, run_number=old.run_number + 1,
                       previous=old.id, by=by, now=now, framework=framework)


async def cancel(session: AsyncSession, call_off_id: str, data: Cancellation, *,
                 by: Principal, now: datetime) -> CallOff:
    """Cancel a call-off before its contract, with the reason; the request may be re-run."""
    call_off = await get(session, call_off_id, by=by)
    access.require_own_pct(by, call_off.pct_id, "cancel its call-offs")
    if call_off.status not in (OPEN, AWARDED):
        raise Conflict(f"the call-off is {call_off.status}; it can no longer be cancelled")
    before = await snapshot(session, call_off)
    call_off.status, call_off.cancelled_reason, call_off.cancelled_at = CANCELLED, data.reason, now
    await changed(session, call_off, "cancelled", before, by=Actor.of(by), now=now)
    request = await session.get(ProcurementRequest, call_off.request_id)
    assert request is not None
    await requests.set_status(session, request, APPROVED, action="call_off_cancelled",
                              by=Actor.of(by), now=now)
    await outbox.add(session, CallOffCancelled(
        call_off_id=call_off.id, request_id=call_off.request_id, pct_id=call_off.pct_id,
        reason=data.reason, cancelled_at=now))
    return call_off


async def history_of(session: AsyncSession, call_off_id: str, *,
                     by: Principal) -> Sequence[Any]:
    await get(session, call_off_id, by=by)
    return await history.changes(session, AGGREGATE, call_off_id)


async def _open(session: AsyncSession, request: ProcurementRequest, terms: Terms, *, title: str,
                run_number: int, previous: str | None, by: Principal, now: datetime,
                framework: Framework) -> CallOff:
    invited = await _eligible(session, framework, request, now)
    call_off = CallOff(
        request_id=request.id, pct_id=request.pct_id, sha_id=request.sha_id,
        run_number=run_number, previous_call_off_id=previous, title=title,
        package_type=request.package_type, services=list(request.services),
        groupings=list(request.groupings), estimated_value_pence=request.estimated_value_pence,
        status=OPEN, published_at=now, clarification_deadline=terms.clarification_deadline,
        bid_deadline=terms.bid_deadline, price_weight=terms.price_weight,
        quality_weight=terms.quality_weight, criteria=terms.criteria, version=0,
        created_by=by.subject, updated_at=now)
    session.add(call_off)
    await session.flush()
    session.add_all(Invitation(call_off_id=call_off.id, supplier_id=code, invited_at=now)
                    for code in invited)
    await changed(session, call_off, "published", {}, by=Actor.of(by), now=now)
    await requests.set_status(session, request, PROCURING, action="call_off_opened",
                              by=Actor.of(by), now=now)
    await outbox.add(session, CallOffPublished(
        call_off_id=call_off.id, request_id=request.id, pct_id=request.pct_id,
        package_type=call_off.package_type,  # type: ignore[arg-type]
        groupings=call_off.groupings, run_number=run_number, invited_supplier_ids=invited,
        clarification_deadline=call_off.clarification_deadline,
        bid_deadline=call_off.bid_deadline))
    return call_off


async def _eligible(session: AsyncSession, framework: Framework, request: ProcurementRequest,
                    now: datetime) -> list[str]:
    """Every supplier active today approved for the package; 409 when fewer than the minimum."""
    active = await suppliers.framework_of_active(session, framework, on=now.date())
    codes = [s.code for s in rules.eligible_suppliers(
        active, request.package_type, request.services)]  # type: ignore[arg-type]
    violations = rules.check_invitations(
        active, package_type=request.package_type,  # type: ignore[arg-type]
        services=request.services, invited=codes)
    if violations:
        raise Conflict("the call-off cannot open: " + "; ".join(v.message for v in violations),
                       errors=[{"loc": ["invited_supplier_ids"], "msg": v.message}
                               for v in violations])
    return codes


def _terms(framework: Framework, data: CallOffCreate) -> Terms:
    weights = framework.settings.evaluation_weights
    price = data.price_weight
    quality = data.quality_weight
    if price is None:
        price = weights.price if quality is None else 100 - quality
    if quality is None:
        quality = 100 - price
    criteria = ([c.model_dump() for c in data.criteria] if data.criteria is not None else
                [c.model_dump() for c in framework.settings.default_quality_criteria])
    return Terms(data.clarification_deadline, data.bid_deadline, price, quality, criteria)


def _check_opening(framework: Framework, terms: Terms, now: datetime) -> None:
    violations = [v for v in (rules.check_call_off_date(framework, now.date()),) if v]
    if terms.clarification_deadline <= now:
        violations.append(Violation("clarification_deadline", (
            f"the clarification deadline must be in the future (it is now {now.isoformat()})")))
    if terms.bid_deadline <= terms.clarification_deadline:
        violations.append(Violation("bid_deadline",
                                    "the bid deadline must be after the clarification deadline"))
    codes = [c["code"] for c in terms.criteria]
    if len(set(codes)) != len(codes):
        violations.append(Violation("criteria", "criterion codes must be unique"))
    try:
        check_weights([Criterion(c["code"], c["weight"], c["max_score"]) for c in terms.criteria],
                      terms.price_weight, terms.quality_weight)
    except EvaluationError as exc:
        violations.append(Violation("criteria", str(exc)))
    if violations:
        raise rule_violation("the call-off cannot open", violations)


async def changed(session: AsyncSession, call_off: CallOff, action: str,
                  before: dict[str, Any], *, by: Actor, now: datetime) -> None:
    """Bump the version; append the change to the history (and to the OCDS feed)."""
    await session.flush()
    call_off.version += 1
    call_off.updated_at = now
    history.record(session, aggregate=AGGREGATE, aggregate_id=call_off.id,
                   version=call_off.version, action=action, actor=by, at=now, before=before,
                   after=await snapshot(session, call_off))
    if action in OPEN_DATA_STEPS:
        await feed.append(session, call_off, now=now)


async def snapshot(session: AsyncSession, call_off: CallOff) -> dict[str, Any]:
    """The call-off as its history records it: what every invited supplier may read.

    Never the evaluation (each bid's price, scores and supplier): the history is open to every
    invitee, so a losing supplier would read its rivals' prices. The PCT's side reads the
    ranking at GET /call-offs/{id}/evaluation; each bid has its own history
    (GET /bids/{id}/history).
    """
    def iso(value: Any) -> Any:
        return value.isoformat() if value is not None else None

    return {
        "status": call_off.status, "title": call_off.title,
        "clarification_deadline": iso(call_off.clarification_deadline),
        "bid_deadline": iso(call_off.bid_deadline), "price_weight": call_off.price_weight,
        "quality_weight": call_off.quality_weight, "criteria": list(call_off.criteria),
        "invited_supplier_ids": await repository.invited(session, call_off.id),
        "awarded_supplier_id": call_off.awarded_supplier_id,
        "award_decided_on": iso(call_off.award_decided_on),
        "standstill_ends": iso(call_off.standstill_ends),
        "cancelled_reason": call_off.cancelled_reason,
    }


async def present(session: AsyncSession, call_offs: Sequence[CallOff],
                  now: datetime) -> list[dict[str, Any]]:
    """The call-offs as the API returns them, with their invitees and whether bidding is open."""
    invited = await repository.invited_to(session, [c.id for c in call_offs])
    columns = [c.key for c in CallOff.__table__.columns]
    return [{**{name: getattr(c, name) for name in columns},
             "invited_supplier_ids": invited[c.id],
             "bidding_open": c.status == OPEN and now < c.bid_deadline} for c in call_offs]
