from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ChangeRead(BaseModel):
    """One entry of an object's append-only history."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "version": 2, "action": "signed_off", "actor": "user:6f1c...", "actor_org_id": "c0b7...",
        "at": "2008-06-03T10:15:00Z",
        "patch": [{"op": "replace", "path": "/status", "value": "approved"}]}]})

    version: int
    action: str
    actor: str = Field(description="the user's subject, or system:<event type>")
    actor_org_id: str | None
    at: datetime
    patch: list[dict[str, Any]] = Field(description="RFC 6902 JSON Patch from the previous state")
