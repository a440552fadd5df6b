from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DECISION: dict[str, Any] = {
    "id": "7f2aa318-4000-4ad3-9686-098408381c0a",
    "assessment_id": "64e8190f-513e-4850-bc2b-c608d9c3eea2",
    "cycle_id": "9298f44e-7e1f-4531-a65d-596a52203ec1",
    "pct_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01",
    "sha_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", "rules_version": "autonomy-rules-2009-10",
    "tier": "good_standing", "freedoms": {"review_frequency_months": 3,
                                          "financial_autonomy_threshold_pence": 25_000_000,
                                          "joint_ventures_without_doh_permission": False},
    "reasons": ["earned_autonomy: all 3 governance areas green (not green: finance): not met",
                "good_standing: no governance area red (red: none): met",
                "good_standing: no scored competency below level 2 (below: none): met",
                "good_standing: not in financial recovery: met"],
    "valid_from": "2010-05-27", "valid_to": "2011-08-26", "replaces_id": None,
    "revoked_on": None, "revocation_reason": None, "revocation_note": None,
    "revoked_by": None, "created_at": "2010-05-27T09:00:00Z"}


class DecisionRead(BaseModel):
    """An autonomy decision: tier, freedoms and why, for the period it applies."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [DECISION]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "revoked": {**DECISION, "valid_to": "2010-09-30", "revoked_on": "2010-10-01",
                    "revocation_reason": "financial_recovery",
                    "revocation_note": "month 6 forecast deficit of GBP 4.2m; recovery plan agreed",
                    "revoked_by": "user:q31-admin"},
        "replacement": {**DECISION, "id": "b3c4d5e6-f7a8-4b9c-8d0e-1f2a3b4c5d6e",
                        "tier": "in_difficulty",
                        "freedoms": {"review_frequency_months": 1,
                                     "financial_autonomy_threshold_pence": None,
                                     "joint_ventures_without_doh_permission": False},
                        "reasons": ["revoked (financial_recovery): in_difficulty"],
                        "valid_from": "2010-10-01",
                        "replaces_id": "7f2aa318-4000-4ad3-9686-098408381c0a",
                        "created_at": "2010-10-01T11:15:00Z"}}]})

    revoked: DecisionRead = Field(description="the decision, now ending the day before")
    replacement: DecisionRead = Field(description="the lower tier, to the old end date")


class ScheduledReviewRead(BaseModel):
    pct_id: str
    tier: str
    review_on: date
    frequency_months: int


class OversightSchedule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "sha_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", "from_date": "2010-06-01",
        "reviews": [{"pct_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01", "tier": "good_standing",
                     "review_on": "2010-08-27", "frequency_months": 3},
                    {"pct_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", "tier": "earned_autonomy",
                     "review_on": "2010-11-27", "frequency_months": 6}]}]})

    sha_id: str
    from_date: date
    reviews: list[ScheduledReviewRead] = Field(
        description="each PCT's next performance review on or after from_date, soonest first")
