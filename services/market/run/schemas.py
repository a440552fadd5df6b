from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.market.scenario.schemas import NAME_PATTERN

MAX_REPLICATIONS = 10_000
Status = Literal["queued", "running", "completed", "failed", "cancelled"]


class RunCreate(BaseModel):
    """A Monte Carlo study to queue."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "scenario": "historical", "replications": 1000, "seed": 2013, "model": "market"}]})

    scenario: str = Field(pattern=NAME_PATTERN, description="a built-in or custom scenario")
    replications: int = Field(default=1000, ge=1, le=MAX_REPLICATIONS)
    seed: int = Field(default=0, ge=0, le=2**63 - 1,
                      description="master seed: the same scenario and seed give the same result")
    model: Literal["market", "csm-ref"] = Field(
        default="market", description="`market`: the fuller model; `csm-ref`: the reference "
                                      "model (uses the scenario's start and number of CCGs)")
    calibration_inputs: bool = Field(
        default=True, description="adjust the scenario by the ratings and contract prices "
                                  "observed so far (recorded in the run's `inputs`)")


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "0b6f...", "scenario": "historical", "model": "market", "replications": 1000,
        "seed": 2013, "status": "running", "progress_percent": 42.0, "eta_seconds": 6.1,
        "cancel_requested": False, "published": False, "published_at": None,
        "inputs": {"used": True, "ratings": 12, "demand_adjustment": 1.02,
                   "observed_contracts": 3, "mean_price_per_head_pence": 910,
                   "applied": {"private.unit_cost": 0.82}},
        "headline": None, "error": None, "attempts": 1, "owner_org_id": "7c1d...",
        "created_by": "user:...", "created_at": "2026-11-23T10:00:00Z",
        "started_at": "2026-11-23T10:00:01Z", "finished_at": None}]})

    id: str
    scenario: str
    model: str
    replications: int
    seed: int
    status: Status
    progress_percent: float = Field(description="0-100")
    eta_seconds: float | None = Field(description="estimated seconds left while running")
    cancel_requested: bool
    published: bool
    published_at: datetime | None
    inputs: dict[str, Any] = Field(description="the calibration inputs the run used")
    headline: dict[str, float] | None = Field(description="final-quarter means once completed")
    error: str | None
    attempts: int
    owner_org_id: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class OutputStatistics(BaseModel):
    mean: list[float | None]
    sd: list[float | None]
    p5: list[float | None]
    p95: list[float | None]


class RunResults(BaseModel):
    """Per output and quarter: mean, standard deviation, 5th and 95th percentiles across the
    replications; and the supplier events (entries, exits, mergers) of replication 0."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "run_id": "0b6f...", "scenario": "historical", "model": "market", "replications": 1000,
        "seed": 2013, "quarters": ["2013-04", "2013-07"],
        "outputs": {"active_csus": {"mean": [19.0, 19.0], "sd": [0.0, 0.0], "p5": [19.0, 19.0],
                                    "p95": [19.0, 19.0]}},
        "events": [{"quarter": 5, "date": "2014-07", "kind": "merger", "supplier": "CSU 14",
                    "cause": "host-brokered alliance: ...", "counterpart": "CSU 08"}],
        "inputs": {"used": False}}]})

    run_id: str
    scenario: str
    model: str
    replications: int
    seed: int
    quarters: list[str]
    outputs: dict[str, OutputStatistics]
    events: list[dict[str, Any]]
    inputs: dict[str, Any]


class RunComparison(BaseModel):
    """Run b minus run a, per output and quarter, with a 90% (Welch) interval."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "a": "0b6f3c2a-8e1d-4f7b-9a5c-1d2e3f4a5b6c", "b": "5c1e9d7b-2a4f-4e8c-b3d6-7f8a9b0c1d2e",
        "base": "historical", "variant": "historical-25-csus",
        "quarters": ["2013-04", "2013-07", "2013-10"],
        "outputs": {"active_csus": {"difference": [6.0, 5.4, 4.9], "low": [6.0, 4.8, 4.1],
                                    "high": [6.0, 6.0, 5.7]}}}]})

    a: str
    b: str
    base: str
    variant: str
    quarters: list[str]
    outputs: dict[str, dict[str, list[float | None]]] = Field(
        description="output -> {difference, low, high}")
