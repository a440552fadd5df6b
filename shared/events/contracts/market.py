"""Events published by the market service."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import contract

Model = Literal["market", "csm-ref"]


@contract("market.run.requested.v1", key="run_id",
          summary="A simulation run was queued; market workers pick it up (one consumer group). "
                  "Sent again, with a higher attempt, when a run is handed back or its worker "
                  "died.")
class RunRequested(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    scenario: str
    model: Model = "market"
    replications: int = Field(ge=1)
    seed: int = Field(ge=0)
    attempt: int = Field(default=1, ge=1, description="1 for the first request of the run")


@contract("market.run.completed.v1", key="run_id",
          summary="A simulation run finished, failed or was cancelled; headline results.")
class RunCompleted(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    scenario: str
    model: Model = "market"
    replications: int = Field(ge=1)
    seed: int = Field(ge=0)
    status: Literal["completed", "failed", "cancelled"]
    finished_at: datetime
    summary: dict[str, float] = Field(
        description="final-quarter means, e.g. active_suppliers, hhi_population, in_house_share "
                    "(empty unless completed)")
    error: str | None = Field(default=None, description="why the run failed")
