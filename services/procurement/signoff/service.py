"""The sign-off state machine of rules.approvals, persisted: decisions, voiding, events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.database import outbox
from services.procurement.history import service as history
from services.procurement.history.service import Actor
from services.procurement.request.content import content_of, snapshot
from services.procurement.request.models import (
    APPROVED,
    AWAITING_SIGNOFF,
    REFUSED,
    ProcurementRequest,
)
from services.procurement.rules import approvals as rules
from services.procurement.signoff.models import Signoff
from services.procurement.signoff.schemas import SignoffCreate
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound
from shared.events.contracts.procurement import SignoffDecided, SignoffRequested

# sign-off role -> (organisation type, the user roles that may give it)
DECIDERS: dict[str, tuple[str, frozenset[str]]] = {
    "dg_commissioning": ("DOH", frozenset({"doh_dg_commissioning"})),
    "sha": ("SHA", frozenset({"sha_admin"})),
    "doh_joint_venture": ("DOH", frozenset({"doh_dg_commissioning", "doh_admin"})),
}
LABELS = {"dg_commissioning": "the DoH director general of commissioning",
          "sha": "the PCT's own SHA", "doh_joint_venture": "the Department of Health"}


async def current_decisions(session: AsyncSession, request_id: str) -> Sequence[Signoff]:
    return (await session.scalars(
        select(Signoff).where(Signoff.request_id == request_id, Signoff.voided_at.is_(None))
        .order_by(Signoff.decided_at))).all()


async def get_all(session: AsyncSession, request_id: str) -> Sequence[Signoff]:
    """Every decision on the request, voided ones included, oldest first."""
    return (await session.scalars(select(Signoff).where(Signoff.request_id == request_id)
                                  .order_by(Signoff.decided_at))).all()


async def load_state(session: AsyncSession, request: ProcurementRequest) -> rules.SignoffState:
    """The rules' sign-off state from the request's required approvals and live decisions."""
    latest = {row.role: row for row in await current_decisions(session, request.id)}
    signoffs = []
    for approval in request.approvals:
        row = latest.get(approval["role"])
        signoffs.append(rules.Signoff(
            role=approval["role"], approver_org_id=approval["approver_org_id"],
            status=row.decision if row else "pending",  # type: ignore[arg-type]
            decided_by=row.decided_by if row else None,
            decided_at=row.decided_at if row else None,
            content_hash=row.content_hash if row else None, reason=row.reason if row else None))
    return rules.SignoffState(request.content_hash, tuple(signoffs))


def require_approvals(request: ProcurementRequest, required: Sequence[rules.RequiredApproval],
                      approvers: Mapping[str, str | None]) -> None:
    """Set the sign-offs the request needs (approved at once when it needs none)."""
    missing = [r.role for r in required if not approvers.get(r.role)]
    if missing:
        raise Conflict("the organisation directory does not know who gives the "
                       f"{', '.join(missing)} sign-off for this PCT yet")
    request.approvals = [{"role": r.role, "approver_org_id": approvers[r.role],
                          "reasons": list(r.reasons)} for r in required]
    request.status = AWAITING_SIGNOFF if required else APPROVED


async def ask(session: AsyncSession, request: ProcurementRequest, *,
              roles: set[str] | None = None) -> None:
    """Publish a sign-off request for each required approval in `roles` (default: all)."""
    for approval in request.approvals:
        if roles is None or approval["role"] in roles:
            await outbox.add(session, SignoffRequested(
                request_id=request.id, pct_id=request.pct_id, sha_id=request.sha_id,
                role=approval["role"], approver_org_id=approval["approver_org_id"],
                reasons=approval["reasons"], content_hash=request.content_hash))


async def void_approvals(session: AsyncSession, request: ProcurementRequest,
                         new_content_hash: str, *, now: datetime) -> set[str]:
    """The content changed: void every approval given so far; returns the voided roles."""
    state = await load_state(session, request)
    try:
        changed = rules.change_content(state, new_content_hash=new_content_hash, by="", at=now)
    except rules.SignoffError as exc:
        raise Conflict(str(exc)) from None
    voided: set[str] = {event.role for event in changed.history
                        if event.what == "voided" and event.role}
    for row in await current_decisions(session, request.id):
        if row.role in voided:
            row.voided_at, row.voided_reason = now, "the request changed after this approval"
    await session.flush()
    return voided


async def decide(session: AsyncSession, request_id: str, data: SignoffCreate, *,
                 by: Principal, now: datetime) -> ProcurementRequest:
    """Record an approval or refusal by the organisation that must give it."""
    request = await session.get(ProcurementRequest, request_id)
    if request is None:
        raise NotFound(f"request {request_id} does not exist")
    _require_decider(request, data.role, by)
    state = await load_state(session, request)
    _require_decidable(request, state, data)
    try:
        decided = rules.record_decision(
            state, role=data.role, decision=data.decision, approver_org_id=by.org_id,
            by=by.subject, at=now, seen_content_hash=data.content_hash, reason=data.reason)
    except rules.SignoffError as exc:
        raise Conflict(str(exc)) from None
    if decided is state:
        return request  # the same approval again: nothing changes (safe to retry)
    await _record(session, request, state, decided, data, by=by, now=now)
    return request


def _require_decider(request: ProcurementRequest, role: str, by: Principal) -> None:
    org_type, user_roles = DECIDERS[role]
    if by.org_type != org_type or not by.has_any(user_roles):
        raise Forbidden(f"the {role} sign-off is given by {LABELS[role]} "
                        f"({' or '.join(sorted(user_roles))})")
    approval = next((a for a in request.approvals if a["role"] == role), None)
    if approval is not None and approval["approver_org_id"] != by.org_id:
        raise Forbidden(f"only {LABELS[role]} ({approval['approver_org_id']}) can give the "
                        f"{role} sign-off for this request")


def _require_decidable(request: ProcurementRequest, state: rules.SignoffState,
                       data: SignoffCreate) -> None:
    if request.status == REFUSED:
        raise Conflict("the request was refused; it takes no further decisions")
    if data.role not in {a["role"] for a in request.approvals}:
        raise Conflict(f"this request needs no {data.role} sign-off")
    if data.content_hash != state.content_hash:
        raise Conflict("the request changed after you read it; review the current content "
                       f"(content_hash {state.content_hash})")


async def _record(session: AsyncSession, request: ProcurementRequest,
                  before: rules.SignoffState, after: rules.SignoffState, data: SignoffCreate,
                  *, by: Principal, now: datetime) -> None:
    old = snapshot(request, before)
    session.add(Signoff(
        request_id=request.id, role=data.role, approver_org_id=by.org_id,
        decision=data.decision, decided_by=by.subject, decided_at=now,
        reason=data.reason or None, content_hash=data.content_hash,
        snapshot=content_of(request)))
    await session.flush()
    request.status = REFUSED if after.ended else APPROVED if after.approved else AWAITING_SIGNOFF
    request.version += 1
    request.updated_at = now
    history.record(session, aggregate="request", aggregate_id=request.id,
                   version=request.version, action=f"signoff_{data.decision}",
                   actor=Actor.of(by), at=now, before=old, after=snapshot(request, after))
    await outbox.add(session, SignoffDecided(
        request_id=request.id, pct_id=request.pct_id, role=data.role,
        decision=data.decision, decided_by=by.subject, decided_at=now, reason=data.reason,
        content_hash=data.content_hash, request_status=request.status))  # type: ignore[arg-type]
