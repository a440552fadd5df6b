"""Who may see and do what in assurance, on top of shared/scope.py (deny by default).

Seeing an assessment: DoH sees every assessment; NHS CB sees published ones; an SHA sees its
PCTs' (the organisation directory's parent link); a PCT sees its own, and those whose panel it
sits on as a peer until they are published (a published result is for the PCT, its SHA, DoH
and NHS CB only). An assessment the caller may not see answers 404, never 403, so that
nobody learns that another organisation's assessment exists (ADR 0005). Acting on one the
caller can see needs the right role (checked by the route) and the right relation (here):
403 otherwise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment.models import Assessment, PanelMember
from services.assurance.database import directory
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.scope import TableDirectory, visible_organisations, within

PUBLISHED = "published"
NATIONAL = frozenset({"DOH", "NHSCB"})


def organisation_directory(session: AsyncSession) -> TableDirectory:
    return TableDirectory(session, directory)


async def assessment_scope(session: AsyncSession, principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause keeping the assessments `principal` may see."""
    if principal.org_type == "DOH":
        return true()
    if principal.org_type == "NHSCB":
        return Assessment.status == PUBLISHED
    visible = await visible_organisations(principal, organisation_directory(session))
    clause = within(Assessment.pct_id, visible)
    if principal.org_type == "PCT":
        panels = select(PanelMember.assessment_id).where(
            PanelMember.subject == principal.subject,
            PanelMember.organisation_id == principal.org_id)
        clause = or_(clause, and_(Assessment.id.in_(panels), Assessment.status != PUBLISHED))
    return clause


async def organisation_scope(session: AsyncSession, principal: Principal,
                             column: Any) -> ColumnElement[bool]:
    """A WHERE clause keeping rows of `column`'s PCTs that `principal` may see (published data)."""
    visible = await visible_organisations(principal, organisation_directory(session))
    return within(column, visible)


def require_own_pct(principal: Principal, assessment: Assessment) -> None:
    """Only the assessed PCT itself may change its self-assessment."""
    if principal.org_type != "PCT" or principal.org_id != assessment.pct_id:
        raise Forbidden("only the assessed PCT may change its self-assessment")


def require_sha(principal: Principal, action: str) -> None:
    """An SHA-led step: the caller must be the PCT's SHA (visibility already proved the link)."""
    if principal.org_type != "SHA":
        raise Forbidden(f"only the PCT's own SHA may {action}")


def require_national(principal: Principal, action: str) -> None:
    if principal.org_type != "DOH":
        raise Forbidden(f"only the Department of Health may {action}")


async def require_region(session: AsyncSession, principal: Principal, sha_id: str) -> None:
    """National bodies see every region; an SHA only its own. Anyone else: 404."""
    if principal.org_type in NATIONAL:
        return
    if principal.org_type == "SHA" and principal.org_id == sha_id:
        return
    raise NotFound(f"SHA {sha_id} is not one whose data you may see")
