from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SupportNeedRead(BaseModel):
    """A competency below target and the external support that matches it."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "81135d37-6ad2-4869-a57a-57a825c29155",
        "assessment_id": "64e8190f-513e-4850-bc2b-c608d9c3eea2",
        "cycle_id": "9298f44e-7e1f-4531-a65d-596a52203ec1",
        "pct_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01",
        "sha_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", "competency": "5",
        "competency_name": "Manage knowledge and assess needs", "level": 1, "target_level": 3,
        "support_form": "analytical_tools", "grouping": "assessment_and_planning",
        "package_type": "micro", "evidence_gap": False, "created_at": "2010-05-27T09:00:00Z"}]})

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
