"""Recording and reading security events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.audit import repository
from services.identity.audit.models import AuditEvent
from services.identity.audit.schemas import AuditKind
from shared.pagination import PageParams

# Detail keys that could carry a credential; recording one is a programming error.
_FORBIDDEN = frozenset({"password", "secret", "token", "hash", "credential", "pem", "key"})


def record(session: AsyncSession, kind: AuditKind, *, actor: str, subject: str | None = None,
           org_id: str | None = None, ip: str | None = None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event to the session's transaction."""
    details = details or {}
    leaking = [key for key in details if _FORBIDDEN & set(key.lower().split("_"))]
    if leaking:
        raise ValueError(f"audit details must not hold credentials: {leaking}")
    event = AuditEvent(at=datetime.now(UTC), kind=kind, actor=actor, subject=subject,
                       org_id=org_id, ip=ip, details=details)
    session.add(event)
    return event


async def get_all(session: AsyncSession, page: PageParams, *, kind: str | None = None,
                  subject: str | None = None, org_id: str | None = None,
                  ) -> tuple[Sequence[AuditEvent], int]:
    query = repository.filtered(kind=kind, subject=subject, org_id=org_id)
    return await repository.page(session, query, limit=page.limit, offset=page.offset)


def client_ip(request: Request) -> str | None:
    """The caller's address as the server saw it (proxies: configure uvicorn's forwarding)."""
    return request.client.host if request.client else None


ClientIp = Annotated[str | None, Depends(client_ip)]
