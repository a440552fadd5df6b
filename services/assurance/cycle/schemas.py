from __future__ import annotations

from datetime import date, datetime

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


class CycleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    assessments: dict[str, int] = Field(description="number of assessments in each state")


class CyclePublication(BaseModel):
    """What publishing a cycle did."""

    cycle_id: str
    published: int = Field(description="assessments published now")
    not_ready: dict[str, int] = Field(description="assessments left, by state")
