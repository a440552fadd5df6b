from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SupportNeedRead(BaseModel):
    """A competency below target and the external support that matches it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    assessment_id: str
    cycle_id: str
    pct_id: str
    sha_id: str
    competency: str
    competency_name: str
    level: int
    target_level: int
    support_form: str
    grouping: str
    package_type: str
    evidence_gap: bool
    created_at: datetime
