"""Earned-autonomy decisions: stored and announced on publication, revoked by the SHA."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import organisation_scope, require_region, require_sha
from services.assurance.autonomy.models import AutonomyDecision
from services.assurance.autonomy.schemas import RevocationCreate
from services.assurance.cycle.models import Cycle, new_id
from services.assurance.cycle.reference import autonomy_rules_of
from services.assurance.events import queue_all
from services.assurance.paging import paged
from services.assurance.rules import autonomy as rules
from services.assurance.rules.policy import Freedoms
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.contracts.assurance import AutonomyGranted, AutonomyRevoked
from shared.pagination import PageParams


def grant(session: AsyncSession, decision: rules.Decision, *, assessment_id: str,
          cycle_id: str, replaces_id: str | None = None,
          ) -> tuple[AutonomyDecision, AutonomyGranted]:
    """Store a decision the rules made; the caller queues the assurance.autonomy.granted."""
    row = AutonomyDecision(
        id=new_id(), assessment_id=assessment_id, cycle_id=cycle_id, pct_id=decision.pct_id,
        sha_id=decision.sha_id, rules_version=decision.rules_version, tier=decision.tier,
        freedoms=decision.freedoms.model_dump(), reasons=list(decision.reasons),
        valid_from=decision.valid_from, valid_to=decision.valid_to, replaces_id=replaces_id,
        created_at=datetime.now(UTC))
    session.add(row)
    return row, AutonomyGranted.model_validate({
        "decision_id": row.id, "pct_id": row.pct_id, "sha_id": row.sha_id,
        "cycle_id": cycle_id, "tier": row.tier, "freedoms": row.freedoms,
        "reasons": row.reasons, "valid_from": row.valid_from, "valid_to": row.valid_to,
        "replaces_decision_id": replaces_id})


def as_rule(row: AutonomyDecision) -> rules.Decision:
    """The stored decision as the rules' value."""
    return rules.Decision(row.pct_id, row.sha_id, row.cycle_id, row.rules_version, row.tier,
                          Freedoms(**row.freedoms), tuple(row.reasons), row.valid_from,
                          row.valid_to)


async def get(session: AsyncSession, decision_id: str, by: Principal) -> AutonomyDecision:
    scope = await organisation_scope(session, by, AutonomyDecision.pct_id)
    row = await session.scalar(select(AutonomyDecision).where(
        AutonomyDecision.id == decision_id, scope))
    if row is None:
        raise NotFound(f"autonomy decision {decision_id} does not exist or is not visible to you")
    return row


async def get_all(session: AsyncSession, page: PageParams, by: Principal, *,
                  pct_id: str | None = None, cycle_id: str | None = None,
                  ) -> tuple[Sequence[AutonomyDecision], int]:
    query = select(AutonomyDecision).where(
        await organisation_scope(session, by, AutonomyDecision.pct_id))
    if pct_id is not None:
        query = query.where(AutonomyDecision.pct_id == pct_id)
    if cycle_id is not None:
        query = query.where(AutonomyDecision.cycle_id == cycle_id)
    order = (AutonomyDecision.pct_id, AutonomyDecision.valid_from, AutonomyDecision.created_at)
    return await paged(session, query, order, page)


async def revoke(session: AsyncSession, decision_id: str, data: RevocationCreate,
                 by: Principal) -> tuple[AutonomyDecision, AutonomyDecision]:
    """The PCT's SHA revokes: the decision ends and the lower tier the rules name follows."""
    row = await get(session, decision_id, by)
    require_sha(by, "revoke a PCT's autonomy")
    if row.revoked_on is not None:
        raise Conflict(f"decision {row.id} was already revoked on {row.revoked_on}",
                       current_state="revoked", allowed_transitions=[])
    cycle = await session.get(Cycle, row.cycle_id)
    assert cycle is not None  # a foreign key guarantees it
    policy = autonomy_rules_of(cycle)
    try:
        outcome = rules.revoke(policy, as_rule(row), reason=data.reason, on=data.effective_on,
                               note=data.note)
    except rules.RevocationError as exc:
        raise Conflict(str(exc), current_state=row.tier) from None
    row.valid_to = outcome.ended.valid_to
    row.revoked_on, row.revocation_reason = outcome.revoked_on, outcome.reason
    row.revocation_note, row.revoked_by = outcome.note, by.subject
    revoked = AutonomyRevoked(
        decision_id=row.id, pct_id=row.pct_id, sha_id=row.sha_id, reason=outcome.reason,
        note=outcome.note, revoked_on=outcome.revoked_on)
    replacement, granted = grant(session, outcome.replacement, assessment_id=row.assessment_id,
                                 cycle_id=row.cycle_id, replaces_id=row.id)
    await queue_all(session, [revoked, granted])
    return row, replacement


async def oversight(session: AsyncSession, sha_id: str, on: date,
                    by: Principal) -> list[rules.ScheduledReview]:
    """Each of the SHA's PCTs' next review on or after `on`, by the rules' schedule."""
    await require_region(session, by, sha_id)
    rows = (await session.scalars(select(AutonomyDecision).where(
        AutonomyDecision.sha_id == sha_id, AutonomyDecision.valid_to >= on))).all()
    upcoming = rules.oversight_schedule([as_rule(row) for row in rows], on)
    first: dict[str, rules.ScheduledReview] = {}
    for review in upcoming:
        first.setdefault(review.pct_id, review)
    return sorted(first.values(), key=lambda review: (review.review_on, review.pct_id))
