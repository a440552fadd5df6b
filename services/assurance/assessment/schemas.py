"""What callers send to change an assessment (every model refuses unknown fields)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Annotated[int, Field(ge=1, le=4, description="1-4; 4 = world class")]
SubCompetencyCode = Annotated[str, Field(pattern=r"^[1-9][0-9]?\.[1-9]$",
                                         description='e.g. "5.2"')]
CompetencyCode = Annotated[str, Field(pattern=r"^[1-9][0-9]?$", description='e.g. "5"')]
Year = Annotated[str, Field(pattern=r"^\d{4}/\d{2}$", description='e.g. "2009/10"')]
Rating = Literal["RED", "AMBER", "GREEN"]
Area = Literal["strategy", "finance", "board"]
Note = Annotated[str | None, Field(default=None, max_length=2000,
                                   description="why, for the history")]
Value = Annotated[Decimal, Field(max_digits=14, decimal_places=4, allow_inf_nan=False)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SelfAssessmentUpdate(_Input):
    """Self-assessed levels of some sub-competencies; others stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sub_competencies": {"5.1": 3, "5.2": 2, "5.3": 2},
        "note": "JSNA refreshed with the local authority"}]})

    sub_competencies: dict[SubCompetencyCode, Level] = Field(min_length=1, max_length=40)
    note: Note = None


class OutcomeEntry(_Input):
    """One chosen outcome: its trajectory (baseline + yearly targets) and this year's actual."""

    metric: str = Field(pattern=r"^[a-z0-9_]{2,60}$", description="framework metric code")
    baseline_year: Year
    baseline: Value
    targets: list[Value] = Field(min_length=1, max_length=10,
                                 description="one target a year from the year after baseline")
    actual: Value | None = Field(default=None, description="the cycle year's actual value")


class OutcomesUpdate(_Input):
    """The PCT's chosen outcomes (replaces the whole set)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcomes": [{"metric": "teenage_pregnancy", "baseline_year": "2008/09",
                      "baseline": "45.0", "targets": ["43.0", "41.0", "39.0", "37.0", "35.0"],
                      "actual": "47.3"}],
        "note": "actuals from the Q4 return"}]})

    outcomes: list[OutcomeEntry] = Field(max_length=30)
    note: Note = None


class TransitionNote(_Input):
    """An optional note recorded with a workflow step."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "note": "Board approved the self-assessment on 12 November"}]})

    note: Note = None
