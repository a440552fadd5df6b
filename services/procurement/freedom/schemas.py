from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class FreedomsRead(BaseModel):
    """The earned-autonomy decision in force for a PCT, as assurance published it."""

    model_config = ConfigDict(from_attributes=True)

    decision_id: str
    tier: str
    review_frequency_months: int
    financial_autonomy_threshold_pence: int | None = Field(
        description="requests up to this value need no SHA approval; null = no autonomy")
    joint_ventures_without_doh: bool
    valid_from: date
    valid_to: date
    reasons: list[str]
