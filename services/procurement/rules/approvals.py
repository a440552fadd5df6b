"""Which approvals a procurement request needs, and the sign-off state machine.

Approvals, given the PCT's freedoms as they stand when the request is made:
- end-to-end: the DoH director general of commissioning AND the PCT's own SHA, in either
  order [S1];
- a value above the framework's SHA threshold when the PCT has no financial autonomy, or above
  the PCT's own autonomy threshold when it has: the PCT's own SHA [I];
- a joint venture: DoH permission, unless the PCT holds the freedom to enter joint ventures
  without it [S12, earned autonomy].
A value exactly at a threshold needs no approval ("above" is strict).

Sign-off: each required approval is a sign-off by one organisation. A decision records the hash
of the content the approver saw; a change of content voids every approval given so far (they
are asked again); a refusal ends the request. Every step is appended to the history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from services.procurement.rules.framework import Framework, PackageType
from services.procurement.rules.money import format_pence

ApprovalRole = Literal["dg_commissioning", "sha", "doh_joint_venture"]
Decision = Literal["approved", "refused"]
ROLE_ORDER: tuple[ApprovalRole, ...] = ("dg_commissioning", "sha", "doh_joint_venture")


@dataclass(frozen=True, slots=True)
class Freedoms:
    """The earned-autonomy freedoms the PCT holds now (None: no financial autonomy)."""

    financial_autonomy_threshold_pence: int | None = None
    joint_ventures_without_doh: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalFacts:
    """What of a request decides its approvals."""

    package_type: PackageType
    estimated_value_pence: int
    joint_venture: bool = False


@dataclass(frozen=True, slots=True)
class RequiredApproval:
    role: ApprovalRole
    reasons: tuple[str, ...]


def required_approvals(
    framework: Framework, facts: ApprovalFacts, freedoms: Freedoms
) -> tuple[RequiredApproval, ...]:
    """The approvals the request needs, one per role, each with the rules that call for it."""
    reasons: dict[ApprovalRole, list[str]] = {}
    if facts.package_type == "end_to_end":
        reason = ("an end-to-end package needs the DoH director general of commissioning and "
                  "the PCT's SHA")
        reasons.setdefault("dg_commissioning", []).append(reason)
        reasons.setdefault("sha", []).append(reason)
    value_reason = _value_reason(framework, facts.estimated_value_pence, freedoms)
    if value_reason:
        reasons.setdefault("sha", []).append(value_reason)
    if facts.joint_venture and not freedoms.joint_ventures_without_doh:
        reasons.setdefault("doh_joint_venture", []).append(
            "a joint venture needs DoH permission unless the PCT holds that freedom")
    return tuple(RequiredApproval(role, tuple(reasons[role])) for role in ROLE_ORDER
                 if role in reasons)


def _value_reason(framework: Framework, value_pence: int, freedoms: Freedoms) -> str | None:
    own = freedoms.financial_autonomy_threshold_pence
    if own is None:
        limit = framework.settings.sha_approval_threshold_pence
        if value_pence > limit:
            return (f"the value {format_pence(value_pence)} is above {format_pence(limit)} "
                    "and the PCT has no financial autonomy")
        return None
    if value_pence > own:
        return (f"the value {format_pence(value_pence)} is above the PCT's autonomy limit "
                f"{format_pence(own)}")
    return None


class SignoffError(ValueError):
    """A decision or change the sign-off rules do not allow; the message says why."""


@dataclass(frozen=True, slots=True)
class Signoff:
    role: ApprovalRole
    approver_org_id: str
    status: Literal["pending", "approved", "refused"] = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    content_hash: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SignoffEvent:
    """One line of the append-only sign-off history."""

    at: datetime
    by: str
    what: Literal["requested", "approved", "refused", "voided", "content_changed"]
    role: ApprovalRole | None
    content_hash: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class SignoffState:
    content_hash: str
    signoffs: tuple[Signoff, ...]
    history: tuple[SignoffEvent, ...] = ()

    @property
    def ended(self) -> bool:
        """A refusal ends the request."""
        return any(s.status == "refused" for s in self.signoffs)

    @property
    def approved(self) -> bool:
        """Every sign-off approved the current content (True when none is needed)."""
        return all(s.status == "approved" and s.content_hash == self.content_hash
                   for s in self.signoffs)

    @property
    def pending_roles(self) -> tuple[ApprovalRole, ...]:
        return tuple(s.role for s in self.signoffs if s.status == "pending")


def content_hash(content: Mapping[str, object]) -> str:
    """SHA-256 of the content's canonical JSON (sorted keys): what an approver approves."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def start_signoffs(
    required: tuple[RequiredApproval, ...], *, approvers: Mapping[ApprovalRole, str],
    content_hash: str, by: str, at: datetime,
) -> SignoffState:
    """Open one pending sign-off per required approval; approvers maps role to organisation."""
    missing = [r.role for r in required if r.role not in approvers]
    if missing:
        raise SignoffError(f"no approving organisation given for {', '.join(missing)}")
    signoffs = tuple(Signoff(r.role, approvers[r.role]) for r in required)
    history = tuple(SignoffEvent(at, by, "requested", r.role, content_hash, "; ".join(r.reasons))
                    for r in required)
    return SignoffState(content_hash, signoffs, history)


def record_decision(
    state: SignoffState, *, role: ApprovalRole, decision: Decision, approver_org_id: str,
    by: str, at: datetime, seen_content_hash: str, reason: str = "",
) -> SignoffState:
    """Record an approval or a refusal of the content the approver saw (seen_content_hash)."""
    signoff = _decidable(state, role, approver_org_id, seen_content_hash)
    if signoff.status == "approved":
        if decision == "approved":
            return state  # a repeated approval of the same content changes nothing
        raise SignoffError(f"the {role} sign-off already approved this content")
    if decision == "refused" and not reason.strip():
        raise SignoffError("a refusal must give its reason")
    decided = replace(signoff, status=decision, decided_by=by, decided_at=at,
                      content_hash=seen_content_hash, reason=reason or None)
    event = SignoffEvent(at, by, decision, role, seen_content_hash, reason)
    return replace(state, signoffs=_swap(state.signoffs, decided), history=(*state.history, event))


def _decidable(
    state: SignoffState, role: ApprovalRole, approver_org_id: str, seen_content_hash: str
) -> Signoff:
    if state.ended:
        raise SignoffError("the request was refused; it takes no further decisions")
    signoff = next((s for s in state.signoffs if s.role == role), None)
    if signoff is None:
        raise SignoffError(f"this request needs no {role} sign-off")
    if approver_org_id != signoff.approver_org_id:
        raise SignoffError(
            f"only organisation {signoff.approver_org_id} can give the {role} sign-off "
            f"for this request, not {approver_org_id}")
    if seen_content_hash != state.content_hash:
        raise SignoffError("the request changed after it was read; review the current content")
    return signoff


def change_content(state: SignoffState, *, new_content_hash: str, by: str,
                   at: datetime) -> SignoffState:
    """Apply a change of the request's content: every approval given so far is voided."""
    if state.ended:
        raise SignoffError("the request was refused; it cannot be changed")
    if new_content_hash == state.content_hash:
        return state
    events = [SignoffEvent(at, by, "content_changed", None, new_content_hash)]
    signoffs = []
    for signoff in state.signoffs:
        if signoff.status == "approved":
            events.append(SignoffEvent(at, by, "voided", signoff.role, new_content_hash,
                                       "the content changed after this approval"))
            signoff = Signoff(signoff.role, signoff.approver_org_id)
        signoffs.append(signoff)
    return SignoffState(new_content_hash, tuple(signoffs), (*state.history, *events))


def _swap(signoffs: tuple[Signoff, ...], new: Signoff) -> tuple[Signoff, ...]:
    return tuple(new if s.role == new.role else s for s in signoffs)
