"""Published results of a cycle in one query, with the directory's codes and names."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment.models import Assessment
from services.assurance.database import directory
from services.assurance.rules.types import PctResult, Rag


@dataclass(frozen=True, slots=True)
class Published:
    result: PctResult
    pct_code: str | None
    pct_name: str | None
    sha_code: str | None


async def published(session: AsyncSession, cycle_id: str) -> list[Published]:
    """Every published result of the cycle (one SELECT; the rules then work in memory)."""
    pct, sha = directory.alias("pct"), directory.alias("sha")
    query = (select(Assessment.pct_id, Assessment.sha_id, Assessment.final_levels,
                    Assessment.final_governance, pct.c.code, pct.c.name, sha.c.code)
             .outerjoin(pct, pct.c.organisation_id == Assessment.pct_id)
             .outerjoin(sha, sha.c.organisation_id == Assessment.sha_id)
             .where(Assessment.cycle_id == cycle_id, Assessment.status == "published"))
    rows = (await session.execute(query)).all()
    found = []
    for pct_id, sha_id, levels, governance, pct_code, pct_name, sha_code in rows:
        outcome = PctResult(pct_id, sha_id, levels or {},
                            {area: Rag(rag) for area, rag in (governance or {}).items()})
        found.append(Published(outcome, pct_code, pct_name, sha_code))
    return found
