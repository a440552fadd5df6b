from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

VERSION_ID = r"^[a-z0-9][a-z0-9-]{0,62}$"


class CycleCreate(BaseModel):
    """Open a cycle: every PCT active on `opens_on` gets an assessment in draft."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "year": "2009/10", "opens_on": "2009-09-16", "self_assessment_due": "2009-11-30",
        "panel_from": "2009-12-01", "panel_to": "2010-02-15",
        "publication_on": "2010-03-31"}]})

    year: str = Field(pattern=r"^\d{4}/\d{2}$", description='e.g. "2009/10"')
    framework_version: str | None = Field(
        default=None, pattern=VERSION_ID, description="default: the framework for this year")
    autonomy_rules_version: str | None = Field(
        default=None, pattern=VERSION_ID,
        description="default: the autonomy rules published for this year")
    opens_on: date
    self_assessment_due: date
    panel_from: date
    panel_to: date
    publication_on: date = Field(description="results take effect (and autonomy starts) then")
    support_target_level: int | None = Field(
        default=None, ge=2, le=4, description="competencies below it are support needs; "
                                              "default: the framework's target")

    @model_validator(mode="after")
    def _dates_in_order(self) -> CycleCreate:
        dates = [self.opens_on, self.self_assessment_due, self.panel_from, self.panel_to,
                 self.publication_on]
        if dates != sorted(dates):
            raise ValueError("dates must run opens_on <= self_assessment_due <= panel_from "
                             "<= panel_to <= publication_on")
        start = int(self.year[:4])
        if int(self.year[5:]) != (start + 1) % 100:
            raise ValueError("year must name consecutive years, e.g. 2009/10")
        return self


CYCLE: dict[str, Any] = {
    "id": "9298f44e-7e1f-4531-a65d-596a52203ec1", "year": "2009/10", "code": "2009-10",
    "framework_version": "wcc-2009-10", "autonomy_rules_version": "autonomy-rules-2009-10",
    "framework_sha256": "2b7b12596c6ac1c4d2e78ef180aaf72dbbf0c082aaed488a84baf985d85a058d",
    "autonomy_rules_sha256":
        "bc10d79a9a6b960d598e7b64abec69f38efb8b09f615c6d7fad1c28fe097fc4b",
    "opens_on": "2009-09-16", "self_assessment_due": "2009-11-30",
    "panel_from": "2009-12-01", "panel_to": "2010-02-26", "publication_on": "2010-05-27",
    "support_target_level": 3, "created_by": "user:doh-admin",
    "created_at": "2009-09-16T09:00:00Z"}


class CycleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [CYCLE]})

    id: str
    year: str
    code: str
    framework_version: str
    autonomy_rules_version: str
    framework_sha256: str = Field(description="SHA-256 of the framework file the cycle opened "
                                              "with; the cycle refuses to score against any other")
    autonomy_rules_sha256: str = Field(description="SHA-256 of the autonomy-rules file the cycle "
                                                   "opened with")
    opens_on: date
    self_assessment_due: date
    panel_from: date
    panel_to: date
    publication_on: date
    support_target_level: int | None
    created_by: str
    created_at: datetime


class CycleDetail(CycleRead):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        **CYCLE, "assessments": {"draft": 41, "self_assessment_submitted": 77, "panel": 34}}]})

    assessments: dict[str, int] = Field(description="number of assessments in each state")


class CyclePublication(BaseModel):
    """What publishing a cycle did."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "cycle_id": "9298f44e-7e1f-4531-a65d-596a52203ec1", "published": 150,
        "not_ready": {"regionally_calibrated": 2}}]})

    cycle_id: str
    published: int = Field(description="assessments published now")
    not_ready: dict[str, int] = Field(description="assessments left, by state")
