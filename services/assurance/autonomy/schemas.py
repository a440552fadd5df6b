from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class DecisionRead(BaseModel):
    """An autonomy decision: tier, freedoms and why, for the period it applies."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    assessment_id: str
    cycle_id: str
    pct_id: str
    sha_id: str
    rules_version: str
    tier: str
    freedoms: dict[str, Any]
    reasons: list[str]
    valid_from: date
    valid_to: date = Field(description="last day it applies (inclusive)")
    replaces_id: str | None
    revoked_on: date | None
    revocation_reason: str | None
    revocation_note: str | None
    revoked_by: str | None
    created_at: datetime


class RevocationCreate(BaseModel):
    """The SHA takes the PCT's freedoms away from `effective_on` (a date in the decision)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "reason": "financial_recovery", "effective_on": "2009-10-01",
        "note": "month 6 forecast deficit of GBP 4.2m; recovery plan agreed"}]})

    reason: Literal["financial_recovery", "red_governance", "missed_trajectory", "other"]
    effective_on: date = Field(description="first day of the lower tier")
    note: str = Field(default="", max_length=2000)


class RevocationRead(BaseModel):
    revoked: DecisionRead = Field(description="the decision, now ending the day before")
    replacement: DecisionRead = Field(description="the lower tier, to the old end date")


class ScheduledReviewRead(BaseModel):
    pct_id: str
    tier: str
    review_on: date
    frequency_months: int


class OversightSchedule(BaseModel):
    sha_id: str
    from_date: date
    reviews: list[ScheduledReviewRead] = Field(
        description="each PCT's next performance review on or after from_date, soonest first")
