from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.assurance.assessment.schemas import Area, CompetencyCode, Level, Note, Rating

Reason = Field(min_length=3, max_length=2000, description="why the level or rating changed")


class CompetencyAdjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency: CompetencyCode
    level: Level
    reason: str = Reason


class GovernanceAdjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: Area
    rating: Rating
    reason: str = Reason


class Calibration(BaseModel):
    """Adjustments to the panel's result (none is a valid calibration: confirmed as scored)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "competencies": [{"competency": "6", "level": 1,
                          "reason": "brought in line with the region's other panels"}],
        "governance": [{"area": "finance", "rating": "AMBER",
                        "reason": "month 9 forecast deficit"}],
        "note": "North West moderation meeting, 20 January"}]})

    competencies: list[CompetencyAdjustment] = Field(default_factory=list, max_length=11)
    governance: list[GovernanceAdjustment] = Field(default_factory=list, max_length=3)
    note: Note = None


class RegionalCalibration(Calibration):
    """The SHA's calibration; it also records whether the PCT is in financial recovery."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "competencies": [{"competency": "6", "level": 1,
                          "reason": "brought in line with the region's other panels"}],
        "governance": [], "in_financial_recovery": False, "note": "moderation meeting"}]})

    in_financial_recovery: bool = Field(
        default=False, description="the SHA has the PCT in financial recovery (limits autonomy)")
