from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.procurement.freedom.schemas import FreedomsRead
from services.procurement.request.schemas import MAX_PENCE

RECOMMENDATION: dict[str, Any] = {
    "id": "64fc3077-51a3-4c34-87cb-da23f6ad777d", "pct_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01",
    "assessment_id": "c0209e35-026c-420e-8ae1-4140c5bd045a", "competency": "5",
    "competency_name": "Manage knowledge and assess needs", "level": 1, "target_level": 3,
    "support_form": "analytical_tools", "grouping": "assessment_and_planning",
    "package_type": "micro", "status": "open", "request_id": None,
    "identified_at": "2009-01-30T10:00:00Z"}


class RecommendationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True,
                              json_schema_extra={"examples": [RECOMMENDATION]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "pct_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01",
        "rating": {"assessment_id": "c0209e35-026c-420e-8ae1-4140c5bd045a",
                   "cycle_year": "2008/09", "competency_levels": {"1": 2, "5": 1, "10": 3},
                   "governance": {"strategy": "GREEN", "finance": "AMBER", "board": "GREEN"},
                   "league_score": 2.4, "published_on": "2009-01-30"},
        "freedoms": {"decision_id": "d7e8f9a0-1b2c-4d3e-8f4a-5b6c7d8e9f01",
                     "tier": "good_standing", "review_frequency_months": 3,
                     "financial_autonomy_threshold_pence": 25_000_000,
                     "joint_ventures_without_doh": False, "valid_from": "2009-01-30",
                     "valid_to": "2010-01-28",
                     "reasons": ["good_standing: no governance area red (red: none): met"]},
        "recommendations": [RECOMMENDATION]}]})

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
