"""Calibration: the SHA, then DoH, confirm or adjust the panel's result, with reasons."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import require_national, require_sha
from services.assurance.assessment import scores, service, workflow
from services.assurance.assessment.codes import check_competencies
from services.assurance.assessment.models import Assessment, CalibrationAdjustment
from services.assurance.assessment.workflow import Action
from services.assurance.calibration.schemas import Calibration, RegionalCalibration
from services.assurance.cycle.reference import framework_of
from shared.auth import Principal
from shared.errors import RuleViolation


async def regional(session: AsyncSession, assessment_id: str, data: RegionalCalibration,
                   by: Principal) -> Assessment:
    """The PCT's SHA calibrates the panel result against its region's other panels."""
    assessment = await service.get(session, assessment_id, by, for_update=True)
    require_sha(by, "calibrate regionally")
    workflow.target(assessment.status, Action.CALIBRATE_REGIONALLY)
    assessment.in_financial_recovery = data.in_financial_recovery
    _adjust(session, assessment, data, "regional", by)
    return assessment


async def national(session: AsyncSession, assessment_id: str, data: Calibration,
                   by: Principal) -> Assessment:
    """DoH calibrates nationally after the SHA."""
    assessment = await service.get(session, assessment_id, by, for_update=True)
    require_national(by, "calibrate nationally")
    workflow.target(assessment.status, Action.CALIBRATE_NATIONALLY)
    _adjust(session, assessment, data, "national", by)
    return assessment


def _adjust(session: AsyncSession, assessment: Assessment, data: Calibration, stage: str,
            by: Principal) -> None:
    framework = framework_of(assessment.cycle)
    codes = [item.competency for item in data.competencies]
    check_competencies(framework, codes, "competencies")
    _refuse_repeats(codes, "competencies")
    _refuse_repeats([item.area for item in data.governance], "governance")
    now = datetime.now(UTC)
    current = scores.standing(framework, assessment, assessment.cycle.year)
    changes: list[tuple[str, str, object, object, str]] = [
        ("competency", i.competency, current.final_levels.get(i.competency), i.level, i.reason)
        for i in data.competencies]
    changes += [("governance", i.area, current.final_governance.get(i.area), i.rating, i.reason)
                for i in data.governance]
    for kind, code, before, after, reason in changes:
        assessment.adjustments.append(CalibrationAdjustment(
            stage=stage, kind=kind, code=code, from_value=None if before is None else str(before),
            to_value=str(after), reason=reason, actor=by.subject, at=now, voided=False))
    action = Action.CALIBRATE_REGIONALLY if stage == "regional" else Action.CALIBRATE_NATIONALLY
    workflow.move(session, assessment, action, by, reason=data.note, details={
        "adjustments": [{"kind": k, "code": c, "from": None if b is None else str(b),
                         "to": str(a), "reason": r} for k, c, b, a, r in changes]})


def _refuse_repeats(codes: list[str], field: str) -> None:
    repeated = [code for code, n in Counter(codes).items() if n > 1]
    if repeated:
        raise RuleViolation(f"each {field} item may be adjusted once per calibration",
                            errors=[{"loc": ["body", field], "msg": f"{code} given twice"}
                                    for code in repeated])
