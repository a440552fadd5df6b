"""Simulation runs: jobs queued through Kafka, executed by market workers, with their results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.market.database import Base, UtcDateTime, new_id

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = (
    "queued", "running", "completed", "failed", "cancelled")
FINISHED = (COMPLETED, FAILED, CANCELLED)
MODELS = ("market", "csm-ref")


class Run(Base):
    """One Monte Carlo study of a scenario: queued -> running -> completed | failed | cancelled.

    `document` is the complete scenario the run uses (after the calibration inputs recorded in
    `inputs`), so a run can be repeated exactly. `worker_id` and `heartbeat_at` say which worker
    holds a running run and that it is alive; `attempts` counts how often a worker took it.
    """

    __tablename__ = "run"
    __table_args__ = (Index("ix_run_status_heartbeat", "status", "heartbeat_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    scenario: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(10))
    replications: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    eta_seconds: Mapped[float | None] = mapped_column(Float)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    worker_id: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    headline: Mapped[dict[str, float] | None] = mapped_column(JSON)  # final-quarter means
    error: Mapped[str | None] = mapped_column(String(2000))
    owner_org_id: Mapped[str] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RunResult(Base):
    """A completed run's summary (per output and quarter) and one replication's events."""

    __tablename__ = "run_result"

    run_id: Mapped[str] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"),
                                        primary_key=True)
    quarters: Mapped[list[str]] = mapped_column(JSON)
    outputs: Mapped[dict[str, Any]] = mapped_column(JSON)  # name -> {mean, sd, p5, p95}
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # replication 0
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime)
