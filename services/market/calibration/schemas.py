from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TargetScore(BaseModel):
    output: str
    at: date | None = Field(description="the quarter containing this date")
    fiscal_year: int | None = Field(description="or the mean of a financial year (April start)")
    value: float = Field(description="what happened")
    weight: float
    source: str
    modelled: float = Field(description="the Monte Carlo mean")
    relative_error: float
    contribution: float = Field(description="weight x relative_error^2")


class CalibrationRead(BaseModel):
    """The historical targets and how well the historical scenario meets them."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "scenario": "historical", "replications": 16, "master_seed": 0, "score": 0.054,
        "targets": [{"output": "active_csus", "at": "2014-05-01", "fiscal_year": None,
                     "value": 18, "weight": 1.0, "source": "S45: 18 CSUs in May 2014",
                     "modelled": 17.4, "relative_error": -0.033, "contribution": 0.0011}],
        "inputs": {"used": True, "ratings": 0, "demand_adjustment": 1.0,
                   "observed_contracts": 0, "price_factor": 1.0, "applied": {}}}]})

    scenario: str
    replications: int
    master_seed: int
    score: float = Field(description="sum of the contributions; lower is better, 0 is perfect")
    targets: list[TargetScore]
    inputs: dict[str, Any] = Field(description="the calibration inputs applied to the scenario")
