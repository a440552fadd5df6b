"""A published national demo cycle for front-end teams, on the real PCTs of the directory.

The rules' demo generator (rules/demo.py) deals a published national distribution (Year 1,
2008/09; or Year 2, 2009/10, where what was not published is carried from Year 1) out to 152
placeholder PCTs (P001..P152 in SHA groups S01..S10). They are mapped in order onto the
directory's PCTs sorted by SHA code then PCT code, so the ten groups land on the ten SHAs
when the directory holds the reference organisations. Each assessment then takes the whole
workflow (history included) and the cycle is published through the ordinary publication
service, so decisions, support needs and events are exactly what a real cycle produces.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment import repository, workflow
from services.assurance.assessment.models import Assessment, GovernanceRating
from services.assurance.assessment.workflow import Action
from services.assurance.autonomy.models import AutonomyDecision
from services.assurance.cycle import service as cycles
from services.assurance.cycle.models import Cycle
from services.assurance.cycle.schemas import CycleCreate
from services.assurance.database import directory
from services.assurance.publication.service import publish_cycle
from services.assurance.rules.demo import DEFAULT_SEED, DemoPct, generate_cycle
from services.assurance.rules.framework import framework_for_cycle
from services.assurance.rules.published import load_published_results
from shared.auth import Principal

DEMO = Principal(subject="system:demo", org_id="system", org_type="DOH",
                 roles=frozenset({"doh_admin"}), token_id="demo",  # noqa: S106 - not a secret
                 expires_at=0)
STEPS = (Action.SUBMIT, Action.CONVENE_PANEL, Action.COMPLETE_PANEL,
         Action.CALIBRATE_REGIONALLY, Action.CALIBRATE_NATIONALLY)


@dataclass(frozen=True)
class DemoSummary:
    cycle_id: str
    year: str
    published: int
    tiers: dict[str, int]
    seconds: float


def demo_dates(year: str) -> CycleCreate:
    """Year 1's shape: handbook in June, panels from autumn, results at the end of March."""
    start = int(year[:4])
    return CycleCreate(year=year, opens_on=date(start, 6, 30),
                       self_assessment_due=date(start, 9, 30), panel_from=date(start, 10, 1),
                       panel_to=date(start + 1, 1, 31), publication_on=date(start + 1, 3, 31))


async def calibrated_cycle(session: AsyncSession, year: str, *,
                           seed: int = DEFAULT_SEED) -> Cycle:
    """Open `year` and take every assessment to nationally_calibrated with generated scores
    (ReferenceDataError when the year has no published distribution)."""
    code = year.replace("/", "-")
    framework = framework_for_cycle(code)
    generated = generate_cycle(framework, load_published_results(f"published-results-{code}"),
                               seed=seed)
    cycle = await cycles.open_cycle(session, demo_dates(year), DEMO)
    for assessment, demo in zip(await _in_directory_order(session, cycle.id), generated.pcts,
                                strict=False):
        _fast_forward(session, assessment, demo)
    await session.flush()
    return cycle


async def demo_cycle(session: AsyncSession, year: str, *, seed: int = DEFAULT_SEED,
                     ) -> DemoSummary:
    """Open, score, calibrate and publish `year` for every PCT."""
    began = time.perf_counter()
    cycle = await calibrated_cycle(session, year, seed=seed)
    result = await publish_cycle(session, cycle.id, DEMO)
    tiers = Counter((await session.scalars(
        select(AutonomyDecision.tier).where(AutonomyDecision.cycle_id == cycle.id))).all())
    return DemoSummary(cycle.id, year, result.published, dict(sorted(tiers.items())),
                       time.perf_counter() - began)


async def _in_directory_order(session: AsyncSession, cycle_id: str) -> list[Assessment]:
    pct, sha = directory.alias("pct"), directory.alias("sha")
    query = (select(Assessment).join(pct, pct.c.organisation_id == Assessment.pct_id)
             .join(sha, sha.c.organisation_id == Assessment.sha_id)
             .where(Assessment.cycle_id == cycle_id).order_by(sha.c.code, pct.c.code)
             .options(*repository.full()))
    return list((await session.scalars(query)).all())


def _fast_forward(session: AsyncSession, assessment: Assessment, demo: DemoPct) -> None:
    """Scores from the generator, then every workflow step up to national calibration."""
    rows = {row.code: row for row in assessment.sub_competencies}
    for rating in demo.sub_competencies:
        row = rows[rating.code]
        row.self_level, row.panel_level, row.panel_scored_by = (
            rating.self_level, rating.panel_level, DEMO.subject)
    assessment.governance = [GovernanceRating(area=area, rating=rag.value, rated_by=DEMO.subject)
                             for area, rag in demo.governance.items()]
    for action in STEPS:
        workflow.move(session, assessment, action, DEMO, reason="demo data")
