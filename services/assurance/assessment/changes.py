"""What changed in a PCT's self-assessment since last year's assessment."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import assessment_scope
from services.assurance.assessment import repository, scores
from services.assurance.assessment import service as assessments
from services.assurance.assessment.models import Assessment
from services.assurance.cycle.reference import framework_of
from services.assurance.rules.scoring import competency_levels
from shared.auth import Principal


class SubCompetencyChange(BaseModel):
    code: str
    previous_self_level: int | None
    previous_panel_level: int | None
    self_level: int | None
    changed: bool = Field(description="the self level differs from last year's")


class CompetencyChange(BaseModel):
    code: str
    short_name: str
    previous_level: int | None = Field(description="last year's published level")
    previous_self_level: int | None
    self_level: int | None
    change: int | None = Field(description="this self level minus last year's published level")


class ChangesSinceLastYear(BaseModel):
    # One sub-competency and one competency shown of each list.
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "assessment_id": "2aec02e2-0ae1-4d1f-8a03-354ee97760ae",
        "previous_assessment_id": "64e8190f-513e-4850-bc2b-c608d9c3eea2",
        "previous_cycle_year": "2008/09",
        "sub_competencies": [{"code": "7.1", "previous_self_level": 3,
                              "previous_panel_level": 2, "self_level": 4, "changed": True}],
        "competencies": [{"code": "7", "short_name": "Stimulate the market",
                          "previous_level": 2, "previous_self_level": 3, "self_level": 4,
                          "change": 2}]}]})

    assessment_id: str
    previous_assessment_id: str | None
    previous_cycle_year: str | None
    sub_competencies: list[SubCompetencyChange]
    competencies: list[CompetencyChange]


async def since_last_year(session: AsyncSession, assessment_id: str,
                          by: Principal) -> ChangesSinceLastYear:
    """Per sub-competency and competency: last year's levels beside this year's."""
    current = await assessments.get(session, assessment_id, by)
    previous = None
    if current.previous_assessment_id is not None:
        # Last year's result only for those who may see it: a peer on this year's panel may
        # not (it is published), so the caller's own scope applies to it too.
        previous = await repository.get(session, current.previous_assessment_id, and_(
            Assessment.pct_id == current.pct_id, await assessment_scope(session, by)))
    before = {row.code: row for row in previous.sub_competencies} if previous else {}
    subs = [SubCompetencyChange(
        code=row.code, self_level=row.self_level,
        previous_self_level=before[row.code].self_level if row.code in before else None,
        previous_panel_level=before[row.code].panel_level if row.code in before else None,
        changed=row.code not in before or before[row.code].self_level != row.self_level)
        for row in current.sub_competencies]
    return ChangesSinceLastYear(
        assessment_id=current.id, previous_assessment_id=previous.id if previous else None,
        previous_cycle_year=previous.cycle.year if previous else None,
        sub_competencies=subs, competencies=_competencies(current, previous))


def _competencies(current: Assessment, previous: Assessment | None) -> list[CompetencyChange]:
    framework = framework_of(current.cycle)
    now = competency_levels(framework, scores.ratings(current), side="self")
    then: dict[str, int | None] = {}
    if previous is not None:
        then = competency_levels(framework_of(previous.cycle),
                                 scores.ratings(previous), side="self")
    published = (previous.final_levels or {}) if previous is not None else {}
    found = []
    for code in framework.scored_competencies:
        level, mine = published.get(code), now.get(code)
        found.append(CompetencyChange(
            code=code, short_name=framework.competency(code).short_name, previous_level=level,
            previous_self_level=then.get(code), self_level=mine,
            change=None if level is None or mine is None else mine - level))
    return found
