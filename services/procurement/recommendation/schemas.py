from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.procurement.freedom.schemas import FreedomsRead
from services.procurement.request.schemas import MAX_PENCE


class RecommendationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    pct_id: str
    assessment_id: str
    competency: str
    competency_name: str
    level: int
    target_level: int
    support_form: str
    grouping: str = Field(description="the framework grouping (lot) the support falls in")
    package_type: str = Field(description="micro or macro")
    status: str = Field(description="open, or requested (request_id says which)")
    request_id: str | None
    identified_at: datetime


class RatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assessment_id: str
    cycle_year: str
    competency_levels: dict[str, Any]
    governance: dict[str, str]
    league_score: float
    published_on: date


class DashboardRead(BaseModel):
    """A PCT's procurement dashboard: latest rating, freedoms in force, open recommendations."""

    pct_id: str
    rating: RatingRead | None
    freedoms: FreedomsRead | None
    recommendations: list[RecommendationRead]


class RecommendationRequest(BaseModel):
    """Turn a recommendation into a request: the rest comes from the recommendation."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "business_case": "Our needs assessment is two years old and lacks the analysis our "
                         "panel asked for.",
        "estimated_value_pence": 8_000_000}]})

    business_case: str = Field(min_length=20, max_length=20_000)
    estimated_value_pence: int = Field(gt=0, lt=MAX_PENCE)
    title: str | None = Field(default=None, min_length=3, max_length=200)
    services: list[str] | None = Field(
        default=None, max_length=100,
        description="framework services; default: chosen from the support form and grouping")
    joint_venture: bool = False
