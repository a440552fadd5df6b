"""Events published by the market service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import contract


@contract("market.run.requested.v1", key="run_id",
          summary="A simulation run was queued; market workers pick it up (one consumer group).")
class RunRequested(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    scenario: str
    replications: int = Field(ge=1)
    seed: int


@contract("market.run.completed.v1", key="run_id",
          summary="A simulation run finished, failed or was cancelled; headline results.")
class RunCompleted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    scenario: str
    replications: int = Field(ge=1)
    seed: int
    status: Literal["completed", "failed", "cancelled"]
    finished_at: datetime
    summary: dict[str, float] = Field(
        description="final-quarter means, e.g. active_suppliers, hhi_population, in_house_share")
