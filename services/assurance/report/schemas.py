from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Order = Literal["overall", "governance_first"]


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

    cycle_id: str
    previous_cycle_id: str | None
    previous_cycle_year: str | None
    scope: Literal["national", "sha"]
    sha_id: str | None
    changes: list[RankChangeRead]
    dropped: list[str] = Field(description="PCTs in the previous table but not this one")
