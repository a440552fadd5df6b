"""The assessment workflow as an explicit state machine, and its append-only history.

draft -> self_assessment_submitted -> panel -> panel_scored -> regionally_calibrated
      -> nationally_calibrated -> published

An edit to the self-assessment once the panel has scored voids every review made since
(panel scores, calibrations) and returns the assessment to `panel` (ADR 0005).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment.models import Assessment, AssessmentChange
from shared.auth import Principal
from shared.errors import Conflict


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "self_assessment_submitted"
    PANEL = "panel"
    PANEL_SCORED = "panel_scored"
    REGIONALLY_CALIBRATED = "regionally_calibrated"
    NATIONALLY_CALIBRATED = "nationally_calibrated"
    PUBLISHED = "published"


class Action(StrEnum):
    SUBMIT = "submit_self_assessment"
    CONVENE_PANEL = "convene_panel"
    COMPLETE_PANEL = "complete_panel_scoring"
    CALIBRATE_REGIONALLY = "calibrate_regionally"
    CALIBRATE_NATIONALLY = "calibrate_nationally"
    PUBLISH = "publish"
    VOID_REVIEW = "void_review"  # taken by an edit of the self-assessment after review


TRANSITIONS: dict[Status, dict[Action, Status]] = {
    Status.DRAFT: {Action.SUBMIT: Status.SUBMITTED},
    Status.SUBMITTED: {Action.CONVENE_PANEL: Status.PANEL},
    Status.PANEL: {Action.COMPLETE_PANEL: Status.PANEL_SCORED},
    Status.PANEL_SCORED: {Action.CALIBRATE_REGIONALLY: Status.REGIONALLY_CALIBRATED,
                          Action.VOID_REVIEW: Status.PANEL},
    Status.REGIONALLY_CALIBRATED: {Action.CALIBRATE_NATIONALLY: Status.NATIONALLY_CALIBRATED,
                                   Action.VOID_REVIEW: Status.PANEL},
    Status.NATIONALLY_CALIBRATED: {Action.PUBLISH: Status.PUBLISHED,
                                   Action.VOID_REVIEW: Status.PANEL},
    Status.PUBLISHED: {},
}
# Where the PCT may still change its self-assessment, evidence and outcomes; states after
# panel scoring take VOID_REVIEW on such an edit. A published result is final.
EDITABLE = frozenset({Status.DRAFT, Status.SUBMITTED, Status.PANEL, Status.PANEL_SCORED,
                      Status.REGIONALLY_CALIBRATED, Status.NATIONALLY_CALIBRATED})
REVIEWED = frozenset({Status.PANEL_SCORED, Status.REGIONALLY_CALIBRATED,
                      Status.NATIONALLY_CALIBRATED})


def allowed(status: str) -> list[dict[str, str]]:
    """The transitions open from `status`, as the API shows them."""
    return [{"action": action.value, "to": to.value}
            for action, to in TRANSITIONS[Status(status)].items()]


def illegal(status: str, attempted: str) -> Conflict:
    """The 409 for an action the current state does not allow: it names both."""
    return Conflict(f"cannot {attempted.replace('_', ' ')}: the assessment is {status}",
                    current_state=status, attempted=attempted, allowed_transitions=allowed(status))


def target(status: str, action: Action) -> Status:
    """Where `action` leads from `status`; 409 problem if it is not allowed there."""
    try:
        return TRANSITIONS[Status(status)][action]
    except KeyError:
        raise illegal(status, action.value) from None


def require_status(assessment: Assessment, attempted: str, *states: Status) -> None:
    """409 unless the assessment is in one of `states`."""
    if assessment.status not in states:
        raise illegal(assessment.status, attempted)


def move(session: AsyncSession, assessment: Assessment, action: Action, by: Principal | str, *,
         reason: str | None = None, details: dict[str, Any] | None = None) -> None:
    """Take the transition `action`, recording it in the history."""
    to = target(assessment.status, action)
    record(session, assessment, action.value, by, to=to, reason=reason, details=details)


def record(session: AsyncSession, assessment: Assessment, action: str, by: Principal | str, *,
           to: Status | None = None, reason: str | None = None,
           details: dict[str, Any] | None = None) -> None:
    """Append a history entry (a change of state when `to` is given) and touch the assessment."""
    now = datetime.now(UTC)
    before = assessment.status
    if to is not None:
        assessment.status = to.value
    assessment.updated_at = now
    actor, organisation = (by.subject, by.org_id) if isinstance(by, Principal) else (by, None)
    session.add(AssessmentChange(
        assessment_id=assessment.id, action=action, from_status=before,
        to_status=assessment.status, actor=actor, actor_organisation=organisation, at=now,
        reason=reason, details=details or {}))
