from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.assurance.cycle.models import Cycle, new_id
from services.assurance.database import Base


class Assessment(Base):
    """A PCT's assessment in one cycle; `final_*` are frozen when it is published."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("cycle_id", "pct_id"),
        Index("ix_assessment_cycle_status", "cycle_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("cycle.id"))
    pct_id: Mapped[str] = mapped_column(String(36), index=True)
    sha_id: Mapped[str] = mapped_column(String(36), index=True)
    framework_version: Mapped[str] = mapped_column(String(63))
    status: Mapped[str] = mapped_column(String(30))
    previous_assessment_id: Mapped[str | None] = mapped_column(ForeignKey("assessment.id"))
    in_financial_recovery: Mapped[bool] = mapped_column(Boolean, default=False)
    final_levels: Mapped[dict[str, int | None] | None] = mapped_column(JSON)
    final_governance: Mapped[dict[str, str] | None] = mapped_column(JSON)
    published_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    cycle: Mapped[Cycle] = relationship(lazy="raise")
    sub_competencies: Mapped[list[SubCompetencyScore]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SubCompetencyScore.position")
    governance: Mapped[list[GovernanceRating]] = relationship(
        lazy="raise", cascade="all, delete-orphan")
    outcomes: Mapped[list[OutcomeValue]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OutcomeValue.metric")
    panel: Mapped[list[PanelMember]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PanelMember.added_at")
    adjustments: Mapped[list[CalibrationAdjustment]] = relationship(
        lazy="raise", order_by="CalibrationAdjustment.id")


class SubCompetencyScore(Base):
    """Self-assessed and panel level of one sub-competency (e.g. "5.2")."""

    __tablename__ = "sub_competency_score"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # framework order, for display
    self_level: Mapped[int | None] = mapped_column(Integer)
    panel_level: Mapped[int | None] = mapped_column(Integer)
    panel_scored_by: Mapped[str | None] = mapped_column(String(100))


class GovernanceRating(Base):
    """The panel's red/amber/green rating of one governance area."""

    __tablename__ = "governance_rating"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(10), primary_key=True)
    rating: Mapped[str] = mapped_column(String(5))
    rated_by: Mapped[str] = mapped_column(String(100))


class OutcomeValue(Base):
    """A chosen outcome: its trajectory and the cycle year's actual value (decimal text)."""

    __tablename__ = "outcome_value"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(60), primary_key=True)
    baseline_year: Mapped[str] = mapped_column(String(7))
    baseline: Mapped[str] = mapped_column(String(40))
    targets: Mapped[list[str]] = mapped_column(JSON)
    actual: Mapped[str | None] = mapped_column(String(40))


class PanelMember(Base):
    """Who sits on an assessment's panel: the SHA lead and peers from other PCTs."""

    __tablename__ = "panel_member"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    organisation_id: Mapped[str] = mapped_column(String(36))
    role: Mapped[str] = mapped_column(String(10))  # lead | peer
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CalibrationAdjustment(Base):
    """A change the SHA (regional) or DoH (national) made to a panel result, with its reason."""

    __tablename__ = "calibration_adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), index=True)
    stage: Mapped[str] = mapped_column(String(10))  # regional | national
    kind: Mapped[str] = mapped_column(String(12))  # competency | governance
    code: Mapped[str] = mapped_column(String(10))
    from_value: Mapped[str | None] = mapped_column(String(10))
    to_value: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class AssessmentChange(Base):
    """Append-only history: who did what to an assessment, when, from which state to which."""

    __tablename__ = "assessment_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    actor_organisation: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
