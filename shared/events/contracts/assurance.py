"""Events published by the assurance service, and the outcome values it consumes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import contract

Rag = Literal["RED", "AMBER", "GREEN"]
SupportForm = Literal["staffing_capacity", "analytical_tools", "strategy_development",
                      "assurance_presentation_advice"]
Grouping = Literal["assessment_and_planning", "contracting_and_procurement",
                   "performance_management_settlement_and_review",
                   "patient_and_public_engagement"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@contract("assurance.assessment.rated.v1", key="assessment_id",
          summary="A PCT's assessment for a cycle was published with its final ratings.")
class AssessmentRated(_Event):
    assessment_id: str
    cycle_id: str
    cycle_year: str = Field(description="e.g. 2008/09")
    framework_version: str
    pct_id: str
    sha_id: str
    competency_levels: dict[str, int | None] = Field(
        description="competency code -> level 1-4 (null where the framework does not score it)")
    governance: dict[str, Rag] = Field(description="strategy, finance, board")
    league_score: float = Field(ge=0, le=100, description="HSJ method, 0-100")
    published_on: date


class _Freedoms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    review_frequency_months: int = Field(ge=1, le=24)
    financial_autonomy_threshold_pence: int | None = Field(
        default=None, ge=0, description="spending below this needs no SHA approval; null = none")
    joint_ventures_without_doh_permission: bool = False


@contract("assurance.autonomy.granted.v1", key="pct_id",
          summary="An autonomy decision for a PCT took effect, with its freedoms and reasons.")
class AutonomyGranted(_Event):
    decision_id: str
    pct_id: str
    sha_id: str
    cycle_id: str
    tier: str
    freedoms: _Freedoms
    reasons: list[str]
    valid_from: date
    valid_to: date = Field(description="last day the decision applies (inclusive)")
    replaces_decision_id: str | None = Field(
        default=None, description="set when the SHA's revocation put this lower tier in place")


@contract("assurance.autonomy.revoked.v1", key="pct_id",
          summary="The SHA revoked a PCT's autonomy decision.")
class AutonomyRevoked(_Event):
    decision_id: str
    pct_id: str
    sha_id: str
    reason: Literal["financial_recovery", "red_governance", "missed_trajectory", "other"]
    note: str
    revoked_on: date


@contract("assurance.support_need.identified.v1", key="pct_id",
          summary="A competency below target suggests external support for a PCT.")
class SupportNeedIdentified(_Event):
    support_need_id: str
    assessment_id: str
    pct_id: str
    sha_id: str
    competency: str
    competency_name: str
    level: int = Field(ge=1, le=4)
    target_level: int = Field(ge=1, le=4)
    support_form: SupportForm
    grouping: Grouping
    package_type: Literal["micro", "macro"]
    evidence_gap: bool = Field(
        default=False, description="the PCT's own assessment met the target: advice on "
                                   "evidence and presentation rather than capability")


@contract("assurance.outcome.reported.v1", key="pct_id",
          summary="An outcome metric's actual value for a PCT in an assurance year, published by "
                  "an external integrator (e.g. an NHS Information Centre feed); assurance "
                  "applies it as if the PCT had entered it, so the same metric caps apply.",
          producer="external integrators (performance data feeds)")
class OutcomeReported(_Event):
    pct_id: str = Field(min_length=1, max_length=36, description="the PCT's organisation id")
    cycle_year: str = Field(pattern=r"^\d{4}/\d{2}$",
                            description="the assurance year the value is for, e.g. 2008/09")
    metric: str = Field(pattern=r"^[a-z0-9_]{2,60}$",
                        description="the framework's outcome metric code, e.g. teenage_pregnancy")
    value: Decimal = Field(max_digits=14, decimal_places=4, allow_inf_nan=False,
                           description="the actual value in the metric's unit (a JSON string "
                                       "keeps it exact)")
    source: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,59}$",
                        description="who measured it, e.g. nhs-information-centre; shown in "
                                    "the assessment's history")
    reported_on: date = Field(description="the date the figure was released")
