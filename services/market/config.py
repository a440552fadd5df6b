"""Market settings (environment variables prefixed MARKET_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.config import BaseServiceSettings


class Settings(BaseServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MARKET_", extra="ignore", frozen=True)

    service_name: str = "market"
    max_concurrent_runs: int = Field(
        default=1, ge=1, le=16,
        description="runs one worker executes at the same time (each in its own thread)")
    simulation_processes: int | None = Field(
        default=None, ge=1, le=64,
        description="processes a run's Monte Carlo study may use; empty = one below 200 "
                    "replications, otherwise the available CPUs (at most 8)")
    run_progress_interval: float = Field(
        default=0.5, gt=0, le=60,
        description="seconds between a running run's progress writes and cancellation checks")
    run_heartbeat_interval: float = Field(
        default=5.0, gt=0, le=300,
        description="seconds between a worker's heartbeats on the runs it holds")
    run_stale_after: float = Field(
        default=60.0, gt=0,
        description="a running run without a heartbeat for this long is re-queued (its worker "
                    "is presumed dead)")
    run_recovery_interval: float = Field(
        default=15.0, gt=0, description="seconds between two sweeps for stale runs")
    run_pickup_interval: float = Field(
        default=2.0, gt=0, le=60,
        description="seconds between an idle worker's looks for queued runs that no worker "
                    "claimed (their request reached a busy worker)")
    run_max_attempts: int = Field(
        default=3, ge=1, description="a run whose worker died this many times is failed")
