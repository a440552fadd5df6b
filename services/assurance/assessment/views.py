"""The assessment read model: stored ratings plus what the rules make of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.assurance.assessment import workflow
from services.assurance.assessment.models import Assessment
from services.assurance.assessment.schemas import Rating
from services.assurance.assessment.scores import Standing, published_result, trajectory
from services.assurance.rules.framework import Framework
from services.assurance.rules.league import as_decimal, league_score
from services.assurance.rules.outcomes import behind_trajectory_percent, progress
from services.assurance.support.models import ExternalSupport

PCT, SHA = "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01", "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70"
SUMMARY: dict[str, Any] = {
    "id": "64e8190f-513e-4850-bc2b-c608d9c3eea2",
    "cycle_id": "9298f44e-7e1f-4531-a65d-596a52203ec1",
    "pct_id": PCT, "sha_id": SHA, "framework_version": "wcc-2009-10",
    "status": "regionally_calibrated", "published_on": None, "updated_at": "2010-03-15T16:02:00Z"}


class SubCompetencyRead(BaseModel):
    code: str
    title: str
    self_level: int | None
    panel_level: int | None


class CompetencyRead(BaseModel):
    code: str
    short_name: str
    scored: bool
    self_level: int | None = Field(description="the self-assessment combined by the rule")
    panel_level: int | None = Field(description="the panel's sub-competency levels combined")
    capped_level: int | None = Field(description="after the framework's metric caps")
    level: int | None = Field(description="after regional and national calibration")


class FlagRead(BaseModel):
    code: str = Field(description="a sub-competency (5.2) or a competency (5)")
    self_level: int
    panel_level: int
    difference: int
    direction: str


class CapRead(BaseModel):
    rule_id: str
    competency: str
    metric: str
    behind_percent: float
    cap_level: int
    level_before: int
    lowered: bool


class OutcomeRead(BaseModel):
    metric: str
    baseline_year: str
    baseline: Decimal
    targets: list[Decimal]
    actual: Decimal | None
    target: Decimal | None = Field(description="the trajectory's target for the cycle year")
    behind_percent: float | None = Field(description="shortfall against target (<= 0: on track)")


class PanelMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject: str
    organisation_id: str
    role: str


class AdjustmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    stage: str
    kind: str
    code: str
    from_value: str | None
    to_value: str
    reason: str
    actor: str
    at: datetime
    voided: bool


class ExternalSupportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    contract_id: str
    supplier_id: str
    package_type: str
    groupings: list[str]
    payment_model: str
    value_pence: int
    start_date: date
    end_date: date


class AssessmentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [SUMMARY]})

    id: str
    cycle_id: str
    pct_id: str
    sha_id: str
    framework_version: str
    status: str
    published_on: date | None
    updated_at: datetime


class AssessmentRead(AssessmentSummary):
    """An assessment with its scores, flags, caps, calibration and evidence on record."""

    # One sub-competency, competency, outcome and adjustment shown of each list.
    model_config = ConfigDict(json_schema_extra={"examples": [{
        **SUMMARY, "cycle_year": "2009/10",
        "allowed_transitions": [{"action": "calibrate_nationally", "to": "nationally_calibrated"}],
        "in_financial_recovery": False,
        "previous_assessment_id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        "sub_competencies": [{"code": "5.1", "title": "Assesses the population's health needs",
                              "self_level": 3, "panel_level": 2}],
        "competencies": [{"code": "5", "short_name": "Manage knowledge and assess needs",
                          "scored": True, "self_level": 3, "panel_level": 2, "capped_level": 2,
                          "level": 3}],
        "flags": [{"code": "5.1", "self_level": 3, "panel_level": 2, "difference": -1,
                   "direction": "panel_below_self"}],
        "caps": [],
        "governance": {"strategy": "GREEN", "finance": "AMBER", "board": "GREEN"},
        "panel_governance": {"strategy": "GREEN", "finance": "AMBER", "board": "GREEN"},
        "outcomes": [{"metric": "teenage_pregnancy", "baseline_year": "2007/08",
                      "baseline": "45", "targets": ["43", "41", "39", "37", "35"],
                      "actual": "42", "target": "41", "behind_percent": 2.4}],
        "panel": [{"subject": "user:q31-assessor", "organisation_id": SHA, "role": "lead"},
                  {"subject": "user:5nr-assessor",
                   "organisation_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", "role": "peer"}],
        "adjustments": [{"stage": "regional", "kind": "competency", "code": "5",
                         "from_value": "2", "to_value": "3",
                         "reason": "JSNA refresh evidenced after the panel sat",
                         "actor": "user:q31-admin", "at": "2010-03-15T16:02:00Z",
                         "voided": False}],
        "external_support": [{"contract_id": "c4eeab47-969b-4ef3-9990-e46a18b689ff",
                              "supplier_id": "FESC01", "package_type": "micro",
                              "groupings": ["assessment_and_planning"],
                              "payment_model": "fixed_fee", "value_pence": 24_000_000,
                              "start_date": "2009-07-01", "end_date": "2010-06-30"}],
        "league_score": None}]})

    cycle_year: str
    allowed_transitions: list[dict[str, str]]
    in_financial_recovery: bool
    previous_assessment_id: str | None
    sub_competencies: list[SubCompetencyRead]
    competencies: list[CompetencyRead]
    flags: list[FlagRead]
    caps: list[CapRead]
    governance: dict[str, Rating] = Field(description="final rating per area (after calibration)")
    panel_governance: dict[str, Rating]
    outcomes: list[OutcomeRead]
    panel: list[PanelMemberRead]
    adjustments: list[AdjustmentRead]
    external_support: list[ExternalSupportRead] = Field(
        description="contracts awarded to the PCT through procurement, on record as evidence")
    league_score: float | None = Field(description="HSJ method, 0-100, once published")


class HistoryEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "action": "complete_panel_scoring", "from_status": "panel", "to_status": "panel_scored",
        "actor": "user:q31-assessor", "actor_organisation": SHA, "at": "2010-02-11T12:30:00Z",
        "reason": "all sub-competencies and governance areas rated", "details": {}}]})

    action: str
    from_status: str | None
    to_status: str
    actor: str
    actor_organisation: str | None
    at: datetime
    reason: str | None
    details: dict[str, Any]


def build(framework: Framework, assessment: Assessment, year: str, standing: Standing,
          external: Sequence[ExternalSupport]) -> AssessmentRead:
    """The read model of one assessment (children and cycle loaded)."""
    return AssessmentRead(
        **AssessmentSummary.model_validate(assessment).model_dump(),
        cycle_year=year, allowed_transitions=workflow.allowed(assessment.status),
        in_financial_recovery=assessment.in_financial_recovery,
        previous_assessment_id=assessment.previous_assessment_id,
        sub_competencies=_subs(framework, assessment),
        competencies=_competencies(framework, standing),
        flags=[FlagRead(code=f.code, self_level=f.self_level, panel_level=f.panel_level,
                        difference=f.difference, direction=f.direction)
               for f in standing.score.flags],
        caps=[CapRead(rule_id=c.rule_id, competency=c.competency, metric=c.metric,
                      behind_percent=float(round(c.behind_percent, 2)), cap_level=c.cap_level,
                      level_before=c.level_before, lowered=c.lowered)
              for c in standing.score.caps],
        governance={area: rag.value for area, rag in standing.final_governance.items()},
        panel_governance={area: rag.value for area, rag in standing.panel_governance.items()},
        outcomes=_outcomes(framework, assessment, year),
        panel=[PanelMemberRead.model_validate(m) for m in assessment.panel],
        adjustments=[AdjustmentRead.model_validate(a) for a in assessment.adjustments],
        external_support=[ExternalSupportRead.model_validate(e) for e in external],
        league_score=_league_score(framework, assessment))


def _subs(framework: Framework, assessment: Assessment) -> list[SubCompetencyRead]:
    titles = {s.code: s.title for c in framework.competencies for s in c.sub_competencies}
    return [SubCompetencyRead(code=row.code, title=titles.get(row.code, row.code),
                              self_level=row.self_level, panel_level=row.panel_level)
            for row in assessment.sub_competencies]


def _competencies(framework: Framework, standing: Standing) -> list[CompetencyRead]:
    score = standing.score
    return [CompetencyRead(code=c.code, short_name=c.short_name, scored=c.scored,
                           self_level=standing.self_levels.get(c.code),
                           panel_level=score.uncapped_levels.get(c.code),
                           capped_level=score.levels.get(c.code),
                           level=standing.final_levels.get(c.code))
            for c in framework.competencies]


def _outcomes(framework: Framework, assessment: Assessment, year: str) -> list[OutcomeRead]:
    found = []
    for row in assessment.outcomes:
        path = trajectory(row)
        target = path.target_for(year) if year in path.years() else None
        behind = None
        if target is not None and row.actual is not None:
            item = progress(path, year, Decimal(row.actual))
            behind = float(round(behind_trajectory_percent(framework, item), 2))
        found.append(OutcomeRead(metric=row.metric, baseline_year=row.baseline_year,
                                 baseline=path.baseline, targets=list(path.targets),
                                 actual=None if row.actual is None else Decimal(row.actual),
                                 target=target, behind_percent=behind))
    return found


def _league_score(framework: Framework, assessment: Assessment) -> float | None:
    if assessment.final_levels is None or assessment.final_governance is None:
        return None
    return float(as_decimal(league_score(framework, published_result(assessment)).overall))
