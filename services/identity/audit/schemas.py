from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AuditKind = Literal[
    "login.succeeded", "login.failed", "login.locked", "token.refresh_reused",
    "session.revoked", "user.created", "service_account.created", "user.roles_changed",
    "user.disabled", "key.rotated",
]


class AuditEventRead(BaseModel):
    """A security event: who (`actor`) did what (`kind`) to whom (`subject`), from where."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": 42, "at": "2009-01-31T09:12:00Z", "kind": "login.failed", "actor": "anonymous",
        "subject": "7a0c...", "org_id": "c1f3...", "ip": "10.0.0.7",
        "details": {"reason": "bad_password", "grant": "password"}}]})

    id: int
    at: datetime
    kind: AuditKind
    actor: str = Field(description="user id, 'anonymous' or 'system:<tool>'")
    subject: str | None = Field(description="the user (or key id) the event is about")
    org_id: str | None
    ip: str | None
    details: dict[str, Any]
