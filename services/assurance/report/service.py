"""League tables, distributions and change since the previous cycle, from published results.

Each report reads the cycle's published results in one query and leaves the arithmetic to
the rules (rules/league.py). National ranks always come from the whole national table; an
SHA sees its own region's rows of it.
"""

from __future__ import annotations

import time
from fractions import Fraction

from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.access import require_region
from services.assurance.cycle import repository as cycles
from services.assurance.cycle import service as cycle_service
from services.assurance.cycle.models import Cycle
from services.assurance.cycle.reference import framework_of
from services.assurance.report.cache import LEAGUES, National, Version, cycle_and_version
from services.assurance.report.queries import Published, published
from services.assurance.report.schemas import (
    ChangesRead,
    CompetencyDistribution,
    DistributionsRead,
    GovernanceDistribution,
    LeagueRowRead,
    LeagueTableRead,
    Order,
    RankChangeRead,
)
from services.assurance.rules import league as rules
from services.assurance.rules.types import PctResult
from shared.auth import Principal
from shared.errors import Forbidden

COMMISSIONING = frozenset({"DOH", "NHSCB", "SHA", "PCT"})
LEAGUE_READERS = frozenset({"DOH", "SHA"})  # SHAs their own region; DoH any (not NHS CB)


async def region(session: AsyncSession, by: Principal, sha_id: str | None) -> str | None:
    """The region a league report shows: DoH chooses (national by default); an SHA gets its
    own. Anyone else, NHS CB included, is refused."""
    if by.org_type not in LEAGUE_READERS:
        raise Forbidden("league tables are for SHAs (their own region) and the Department of "
                        "Health")
    if by.org_type == "SHA" and sha_id is None:
        return by.org_id
    if sha_id is not None:
        await require_region(session, by, sha_id)
    return sha_id


def _float(value: Fraction) -> float:
    return float(rules.as_decimal(value))


def _row(row: rules.LeagueRow, found: Published) -> LeagueRowRead:
    score = row.score
    return LeagueRowRead(
        national_rank=row.national_rank, sha_rank=row.sha_rank, pct_id=row.pct_id,
        pct_code=found.pct_code, pct_name=found.pct_name, sha_id=row.sha_id,
        sha_code=found.sha_code, governance_points=score.governance_points,
        governance_score=_float(score.governance_score),
        competency_points=score.competency_points,
        competency_score=_float(score.competency_score), overall=_float(score.overall))


async def league(session: AsyncSession, cycle_id: str, by: Principal, *,
                 sha_id: str | None = None, order: Order = "overall") -> LeagueTableRead:
    """The HSJ league table of the cycle, national or one SHA's rows of it."""
    shown = await region(session, by, sha_id)
    return _regional(await _cached_national(session, cycle_id, order), shown)


async def league_json(session: AsyncSession, cycle_id: str, by: Principal, *,
                      sha_id: str | None = None, order: Order = "overall") -> bytes:
    """`league` as JSON; the national table's bytes are serialised once per version."""
    shown = await region(session, by, sha_id)
    national = await _cached_national(session, cycle_id, order)
    return national.json if shown is None else _regional(national, shown).model_dump_json(
    ).encode()


def _regional(national: National, shown: str | None) -> LeagueTableRead:
    table = national.table
    if shown is None:
        return table
    return table.model_copy(update={
        "sha_id": shown, "rows": [row for row in table.rows if row.sha_id == shown],
        "excluded": [pct for pct in table.excluded if national.sha_of[pct] == shown]})


async def _cached_national(session: AsyncSession, cycle_id: str, order: Order) -> National:
    key = (cycle_id, order)
    cached = LEAGUES.get(key)
    if cached is not None and cached[1]:
        return cached[0]
    cycle, version = await cycle_and_version(session, cycle_id)
    if cached is not None and cached[0].version == version:
        national = cached[0]
    else:
        national = await _national(session, cycle, version, order)
    LEAGUES.put(key, national)
    return national


async def _national(session: AsyncSession, cycle: Cycle, version: Version,
                    order: Order) -> National:
    """One query for the published results; the rules rank them in memory."""
    framework = framework_of(cycle)
    results = await published(session, cycle.id)
    table = rules.league_table(framework, [item.result for item in results], order=order)
    by_pct = {item.result.pct_id: item for item in results}
    read = LeagueTableRead(
        cycle_id=cycle.id, cycle_year=cycle.year, framework_version=framework.version_id,
        order=order, sha_id=None, rows=[_row(row, by_pct[row.pct_id]) for row in table.rows],
        excluded=list(table.excluded))
    sha_of = {pct: item.result.sha_id for pct, item in by_pct.items()}
    return National(cycle, version, read, sha_of, time.monotonic(),
                    read.model_dump_json().encode())


async def distributions(session: AsyncSession, cycle_id: str, by: Principal, *,
                        sha_id: str | None = None) -> DistributionsRead:
    """Counts per level of each competency and per rating of each area (aggregates only)."""
    if by.org_type not in COMMISSIONING:
        raise Forbidden("distributions are for commissioners, SHAs, DoH and NHS CB")
    if sha_id is not None:
        await require_region(session, by, sha_id)
    cycle = await cycle_service.get(session, cycle_id)
    results = [item.result for item in await published(session, cycle.id)
               if sha_id is None or item.result.sha_id == sha_id]
    return distribution_read(cycle, results, sha_id)


def distribution_read(cycle: Cycle, results: list[PctResult],
                      sha_id: str | None) -> DistributionsRead:
    framework = framework_of(cycle)
    spread = rules.distributions(framework, results)
    competencies = []
    for code, counts in spread.competencies.items():
        mean = spread.mean_level(code)
        competencies.append(CompetencyDistribution(
            code=code, short_name=framework.competency(code).short_name,
            counts={str(level): n for level, n in counts.items()},
            mean=None if mean is None else _float(mean)))
    governance = [GovernanceDistribution(area=area, counts={rag.value: n for rag, n in
                                                            counts.items()})
                  for area, counts in spread.governance.items()]
    return DistributionsRead(cycle_id=cycle.id, cycle_year=cycle.year, sha_id=sha_id,
                             population=len(results), competencies=competencies,
                             governance=governance)


async def changes(session: AsyncSession, cycle_id: str, by: Principal, *,
                  sha_id: str | None = None, scope: str = "national") -> ChangesRead:
    """Rank and score change of each PCT since the previous cycle's league table."""
    shown = await region(session, by, sha_id)
    cycle = await cycle_service.get(session, cycle_id)
    previous = await cycles.previous_before(session, cycle.year)
    current = await published(session, cycle.id)
    before = await published(session, previous.id) if previous is not None else []
    now_table = rules.league_table(framework_of(cycle),
                                   [item.result for item in current])
    then_table = (rules.league_table(framework_of(previous),
                                     [item.result for item in before]) if previous else
                  rules.LeagueTable(cycle.framework_version, "overall", (), ()))
    delta = rules.changes_since(then_table, now_table, scope="sha" if scope == "sha" else
                                "national")
    names = {item.result.pct_id: item for item in current}
    rows = [_change(change, names[change.pct_id]) for change in delta.changes
            if shown is None or change.sha_id == shown]
    dropped = [pct for pct in delta.dropped if shown is None or any(
        item.result.pct_id == pct and item.result.sha_id == shown for item in before)]
    return ChangesRead(cycle_id=cycle.id, previous_cycle_id=previous.id if previous else None,
                       previous_cycle_year=previous.year if previous else None,
                       scope="sha" if scope == "sha" else "national", sha_id=shown,
                       changes=rows, dropped=dropped)


def _change(change: rules.RankChange, found: Published) -> RankChangeRead:
    score_delta = change.score_delta
    return RankChangeRead(
        pct_id=change.pct_id, pct_code=found.pct_code, pct_name=found.pct_name,
        sha_id=change.sha_id, rank=change.rank, previous_rank=change.previous_rank,
        rank_delta=change.rank_delta, overall=_float(change.overall),
        previous_overall=None if change.previous_overall is None
        else _float(change.previous_overall),
        score_delta=None if score_delta is None else _float(score_delta), is_new=change.is_new)
