"""Convening the panel, scoring by its members, and completing the panel's scoring."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import require_sha
from services.assurance.assessment import service, workflow
from services.assurance.assessment.codes import check_sub_competencies, missing
from services.assurance.assessment.models import Assessment, GovernanceRating, PanelMember
from services.assurance.assessment.workflow import Action, Status
from services.assurance.cycle.reference import framework_of
from services.assurance.database import directory
from services.assurance.panel.schemas import PanelConvene, PanelScores
from services.assurance.rules.types import GOVERNANCE_AREAS
from shared.auth import Principal
from shared.directory import get_entry
from shared.errors import Forbidden, RuleViolation


async def convene(session: AsyncSession, assessment_id: str, data: PanelConvene,
                  by: Principal) -> Assessment:
    """An assessor of the PCT's SHA convenes and leads the panel, with peers from other PCTs."""
    assessment = await service.get(session, assessment_id, by, for_update=True)
    require_sha(by, "convene the panel")
    workflow.target(assessment.status, Action.CONVENE_PANEL)
    await _check_peers(session, assessment, data, by)
    now = datetime.now(UTC)
    assessment.panel.append(PanelMember(subject=by.subject, organisation_id=by.org_id,
                                        role="lead", added_at=now))
    assessment.panel.extend(PanelMember(subject=peer.subject, organisation_id=peer.organisation_id,
                                        role="peer", added_at=now) for peer in data.peers)
    workflow.move(session, assessment, Action.CONVENE_PANEL, by, reason=data.note,
                  details={"lead": by.subject, "peers": [p.model_dump() for p in data.peers]})
    return assessment


async def _check_peers(session: AsyncSession, assessment: Assessment, data: PanelConvene,
                       by: Principal) -> None:
    errors = []
    subjects = [peer.subject for peer in data.peers]
    for index, peer in enumerate(data.peers):
        entry = await get_entry(session, directory, peer.organisation_id)
        problem = None
        if peer.organisation_id == assessment.pct_id:
            problem = "a peer may not come from the assessed PCT"
        elif entry is None or entry["type"] != "PCT":
            problem = "peers come from other PCTs; this is not a PCT in the directory"
        elif peer.subject == by.subject or subjects.count(peer.subject) > 1:
            problem = "each panel member sits once"
        if problem:
            errors.append({"loc": ["body", "peers", index], "msg": problem})
    if errors:
        raise RuleViolation("the panel's peers are not valid", errors=errors)


def _member(assessment: Assessment, by: Principal) -> PanelMember:
    """The caller's seat on the panel; nobody scores their own organisation.

    The organisation rule comes first and reads the token, not the seat: assurance has no user
    directory, so a seat only records the organisation the lead typed at convening. Someone of
    the assessed PCT is refused even when seated (mislabelled) under another PCT's id, and a
    seat counts only for a caller whose token names the seat's organisation.
    """
    if by.org_id == assessment.pct_id:
        raise Forbidden("nobody scores their own organisation")
    seat = next((m for m in assessment.panel if m.subject == by.subject), None)
    if seat is None or seat.organisation_id != by.org_id:
        raise Forbidden("only members of this assessment's panel may score it")
    return seat


async def score(session: AsyncSession, assessment_id: str, data: PanelScores,
                by: Principal) -> Assessment:
    """A panel member records panel levels and governance ratings while the panel sits."""
    assessment = await service.get(session, assessment_id, by, for_update=True)
    _member(assessment, by)
    workflow.require_status(assessment, "score_panel", Status.PANEL)
    framework = framework_of(assessment.cycle)
    check_sub_competencies(framework, data.sub_competencies, "sub_competencies")
    rows = {row.code: row for row in assessment.sub_competencies}
    for code, level in data.sub_competencies.items():
        rows[code].panel_level, rows[code].panel_scored_by = level, by.subject
    ratings = {row.area: row for row in assessment.governance}
    for area, rating in data.governance.items():
        if area in ratings:
            ratings[area].rating, ratings[area].rated_by = rating, by.subject
        else:
            assessment.governance.append(GovernanceRating(area=area, rating=rating,
                                                          rated_by=by.subject))
    workflow.record(session, assessment, "score_panel", by, reason=data.note,
                    details={"panel_levels": data.sub_competencies,
                             "governance": dict(data.governance)})
    return assessment


async def complete(session: AsyncSession, assessment_id: str, by: Principal,
                   note: str | None) -> Assessment:
    """The lead closes the panel once every scored sub-competency and area is rated."""
    assessment = await service.get(session, assessment_id, by, for_update=True)
    if _member(assessment, by).role != "lead":
        raise Forbidden("only the panel's lead may complete its scoring")
    workflow.target(assessment.status, Action.COMPLETE_PANEL)
    framework = framework_of(assessment.cycle)
    unrated = missing(framework, {r.code: r.panel_level for r in assessment.sub_competencies})
    rated_areas = {row.area for row in assessment.governance}
    unrated += [area for area in GOVERNANCE_AREAS if area not in rated_areas]
    if unrated:
        raise RuleViolation("the panel has not rated everything yet",
                            errors=[{"loc": ["panel", code], "msg": "not rated"}
                                    for code in unrated])
    workflow.move(session, assessment, Action.COMPLETE_PANEL, by, reason=note)
    return assessment
