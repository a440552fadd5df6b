"""Charts that need more than one report: a PCT's profile against the national picture."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment import service as assessments
from services.assurance.assessment.workflow import Status, illegal
from services.assurance.database import directory
from services.assurance.report.exports import profile_svg
from services.assurance.report.queries import published
from services.assurance.report.service import distribution_read
from shared.auth import Principal
from shared.directory import get_entry


async def profile(session: AsyncSession, assessment_id: str, by: Principal) -> str:
    """SVG: the PCT's published levels marked on each competency's national distribution."""
    assessment = await assessments.get(session, assessment_id, by)
    if assessment.status != Status.PUBLISHED:
        raise illegal(assessment.status, "chart an unpublished result")
    national = [item.result for item in await published(session, assessment.cycle_id)]
    spread = distribution_read(assessment.cycle, national, None)
    entry = await get_entry(session, directory, assessment.pct_id)
    name = entry["name"] if entry else assessment.pct_id
    return profile_svg(name, spread, dict(assessment.final_levels or {}))
