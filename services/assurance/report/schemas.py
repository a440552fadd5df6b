from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Order = Literal["overall", "governance_first"]
CYCLE = "9298f44e-7e1f-4531-a65d-596a52203ec1"
MANCHESTER = {"pct_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01", "pct_code": "5NT",
              "pct_name": "Manchester PCT", "sha_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70"}


class LeagueRowRead(BaseModel):
    national_rank: int
    sha_rank: int
    pct_id: str
    pct_code: str | None
    pct_name: str | None
    sha_id: str
    sha_code: str | None
    governance_points: int = Field(description="R=0, A=1, G=2 over strategy, finance, board")
    governance_score: float = Field(description="points / 6 x 100")
    competency_points: int
    competency_score: float = Field(description="sum of levels / (scored x 4) x 100")
    overall: float = Field(description="(governance + competency) / 2, rounded half-up")


class LeagueTableRead(BaseModel):
    """HSJ-method league table; ranks are competition ranks ("1224") on exact scores."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "cycle_id": CYCLE, "cycle_year": "2009/10", "framework_version": "wcc-2009-10",
        "order": "overall", "sha_id": None,
        "rows": [{"national_rank": 37, "sha_rank": 4, **MANCHESTER, "sha_code": "Q31",
                  "governance_points": 5, "governance_score": 83.3, "competency_points": 27,
                  "competency_score": 61.4, "overall": 72.3}],
        "excluded": []}]})

    cycle_id: str
    cycle_year: str
    framework_version: str
    order: Order
    sha_id: str | None = Field(description="the region shown; null = national")
    rows: list[LeagueRowRead]
    excluded: list[str] = Field(description="published PCTs not fully rated (left out)")


class CompetencyDistribution(BaseModel):
    code: str
    short_name: str
    counts: dict[str, int] = Field(description='PCTs at each level, "1".."4"')
    mean: float | None


class GovernanceDistribution(BaseModel):
    area: str
    counts: dict[str, int] = Field(description="PCTs rated RED, AMBER, GREEN")


class DistributionsRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "cycle_id": CYCLE, "cycle_year": "2009/10", "sha_id": None, "population": 152,
        "competencies": [{"code": "5", "short_name": "Manage knowledge and assess needs",
                          "counts": {"1": 18, "2": 71, "3": 55, "4": 8}, "mean": 2.35}],
        "governance": [{"area": "finance", "counts": {"RED": 9, "AMBER": 47, "GREEN": 96}}]}]})

    cycle_id: str
    cycle_year: str
    sha_id: str | None
    population: int = Field(description="published assessments counted")
    competencies: list[CompetencyDistribution]
    governance: list[GovernanceDistribution]


class RankChangeRead(BaseModel):
    pct_id: str
    pct_code: str | None
    pct_name: str | None
    sha_id: str
    rank: int
    previous_rank: int | None
    rank_delta: int | None = Field(description="places climbed (negative: fallen)")
    overall: float
    previous_overall: float | None
    score_delta: float | None
    is_new: bool


class ChangesRead(BaseModel):
    """Change in the league table since the previous cycle (national or within the SHA)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "cycle_id": CYCLE, "previous_cycle_id": "4e8e4293-9437-480b-b23b-6350fa0d98ad",
        "previous_cycle_year": "2008/09", "scope": "national", "sha_id": None,
        "changes": [{**MANCHESTER, "rank": 37, "previous_rank": 52, "rank_delta": 15,
                     "overall": 72.3, "previous_overall": 64.6, "score_delta": 7.7,
                     "is_new": False}],
        "dropped": []}]})

    cycle_id: str
    previous_cycle_id: str | None
    previous_cycle_year: str | None
    scope: Literal["national", "sha"]
    sha_id: str | None
    changes: list[RankChangeRead]
    dropped: list[str] = Field(description="PCTs in the previous table but not this one")
