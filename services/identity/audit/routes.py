from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.identity.audit import service
from services.identity.audit.schemas import AuditEventRead, AuditKind
from shared.auth import Principal, require
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require("doh_admin"))]


@router.get("", response_model=Page[AuditEventRead], responses=problem_responses(401, 403, 422))
async def list_audit_events(
    session: SessionDep, page: PageDep, _: Auditor,
    kind: Annotated[AuditKind | None, Query(description="only events of this kind")] = None,
    subject: Annotated[str | None, Query(max_length=100, description="user or key id")] = None,
    org_id: Annotated[str | None, Query(max_length=36, description="organisation id")] = None,
) -> Page[AuditEventRead]:
    """Security events, newest first (DoH administrators only)."""
    items, total = await service.get_all(session, page, kind=kind, subject=subject,
                                         org_id=org_id)
    return Page[AuditEventRead](items=[AuditEventRead.model_validate(i) for i in items],
                                total=total, limit=page.limit, offset=page.offset)
