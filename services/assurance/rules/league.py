"""League tables by the HSJ method, distributions, and change since the previous cycle.

HSJ's arithmetic [S25b]: RAG becomes points (R=0, A=1, G=2); the governance total (3 areas,
max 6) and the competency total (scored competencies x level 4) are each scaled to 100 and
weighted equally, so overall = (governance score + competency score) / 2, on 0-100.
Scores stay exact fractions so that equal scores tie exactly; round only for display
(`as_decimal`). Ranks are competition ranks ("1224"). See docs/assurance-rules.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

from services.assurance.rules.framework import Framework
from services.assurance.rules.types import (
    GOVERNANCE_AREAS,
    LEVELS,
    PctResult,
    Rag,
    missing_ratings,
    require_complete,
)

RAG_POINTS: Mapping[Rag, int] = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
# "overall": HSJ's equal weighting. "governance_first": the order of HSJ's printed tables,
# governance score first and competency score as the tie-breaker.
Order = Literal["overall", "governance_first"]


@dataclass(frozen=True, slots=True)
class LeagueScore:
    governance_points: int
    governance_max: int
    competency_points: int
    competency_max: int

    @property
    def governance_score(self) -> Fraction:
        return Fraction(100 * self.governance_points, self.governance_max)

    @property
    def competency_score(self) -> Fraction:
        return Fraction(100 * self.competency_points, self.competency_max)

    @property
    def overall(self) -> Fraction:
        return (self.governance_score + self.competency_score) / 2


@dataclass(frozen=True, slots=True)
class LeagueRow:
    pct_id: str
    sha_id: str
    score: LeagueScore
    national_rank: int
    sha_rank: int


@dataclass(frozen=True, slots=True)
class LeagueTable:
    """Rows in national order (best first; ties by PCT id); PCTs not fully rated are excluded."""

    framework_version: str
    order: Order
    rows: tuple[LeagueRow, ...]
    excluded: tuple[str, ...]

    def row(self, pct_id: str) -> LeagueRow:
        return next(row for row in self.rows if row.pct_id == pct_id)

    def for_sha(self, sha_id: str) -> tuple[LeagueRow, ...]:
        return tuple(row for row in self.rows if row.sha_id == sha_id)


def as_decimal(value: Fraction, places: int = 2) -> Decimal:
    """`value` rounded half-up to `places` decimals, for display and events."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def league_score(framework: Framework, result: PctResult) -> LeagueScore:
    """HSJ points of one complete result (IncompleteResultError otherwise)."""
    require_complete(framework, result)
    scored = framework.scored_competencies
    return LeagueScore(
        governance_points=sum(RAG_POINTS[result.governance[area]] for area in GOVERNANCE_AREAS),
        governance_max=RAG_POINTS[Rag.GREEN] * len(GOVERNANCE_AREAS),
        competency_points=sum(result.competency_levels[code] or 0 for code in scored),
        competency_max=max(LEVELS) * len(scored),
    )


def _key(score: LeagueScore, order: Order) -> tuple[Fraction, ...]:
    if order == "overall":
        return (score.overall,)
    return (score.governance_score, score.competency_score)


def competition_ranks(keys: Sequence[tuple[Fraction, ...]]) -> list[int]:
    """Ranks of `keys` sorted best first: equal keys share a rank and the next rank skips."""
    ranks: list[int] = []
    for position, key in enumerate(keys):
        tied = position > 0 and key == keys[position - 1]
        ranks.append(ranks[-1] if tied else position + 1)
    return ranks


def _ranked(scored: list[tuple[PctResult, LeagueScore]], order: Order) -> list[int]:
    return competition_ranks([_key(score, order) for _, score in scored])


def league_table(
    framework: Framework, results: Iterable[PctResult], *, order: Order = "overall"
) -> LeagueTable:
    """National and per-SHA ranks of every fully rated result."""
    results = list(results)
    excluded = tuple(sorted(r.pct_id for r in results if missing_ratings(framework, r)))
    scored = [(r, league_score(framework, r)) for r in results if r.pct_id not in excluded]
    # Best first; PCT id only fixes the display order of ties, never their rank.
    scored.sort(key=lambda item: item[0].pct_id)
    scored.sort(key=lambda item: _key(item[1], order), reverse=True)
    sha_ranks: dict[str, int] = {}
    by_sha: dict[str, list[tuple[PctResult, LeagueScore]]] = defaultdict(list)
    for item in scored:
        by_sha[item[0].sha_id].append(item)
    for group in by_sha.values():
        sha_ranks.update(zip((r.pct_id for r, _ in group), _ranked(group, order), strict=True))
    rows = tuple(
        LeagueRow(result.pct_id, result.sha_id, score, rank, sha_ranks[result.pct_id])
        for (result, score), rank in zip(scored, _ranked(scored, order), strict=True)
    )
    return LeagueTable(framework.version_id, order, rows, excluded)


@dataclass(frozen=True, slots=True)
class Distribution:
    """How many PCTs sit at each level of each competency and each RAG of each area."""

    competencies: Mapping[str, Mapping[int, int]]
    governance: Mapping[str, Mapping[Rag, int]]

    def mean_level(self, code: str) -> Fraction | None:
        counts = self.competencies[code]
        rated = sum(counts.values())
        return Fraction(sum(lvl * n for lvl, n in counts.items()), rated) if rated else None


def distributions(framework: Framework, results: Iterable[PctResult]) -> Distribution:
    """Counts per level (every scored competency) and per RAG (every area); unrated skipped."""
    results = list(results)
    competencies = {}
    for code in framework.scored_competencies:
        seen = Counter(r.competency_levels.get(code) for r in results)
        competencies[code] = {level: seen[level] for level in LEVELS}
    governance = {}
    for area in GOVERNANCE_AREAS:
        seen_rag = Counter(r.governance.get(area) for r in results)
        governance[area] = {rag: seen_rag[rag] for rag in Rag}
    return Distribution(competencies, governance)


@dataclass(frozen=True, slots=True)
class RankChange:
    """One PCT's move since the previous cycle; previous values are None for a new entry."""

    pct_id: str
    sha_id: str
    rank: int
    previous_rank: int | None
    overall: Fraction
    previous_overall: Fraction | None

    @property
    def is_new(self) -> bool:
        return self.previous_rank is None

    @property
    def rank_delta(self) -> int | None:
        """Places climbed (positive) or fallen (negative)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    @property
    def score_delta(self) -> Fraction | None:
        return None if self.previous_overall is None else self.overall - self.previous_overall


@dataclass(frozen=True, slots=True)
class CycleChanges:
    changes: tuple[RankChange, ...]  # in the current table's order
    dropped: tuple[str, ...]  # in the previous table, not in the current one


def changes_since(
    previous: LeagueTable, current: LeagueTable, *, scope: Literal["national", "sha"] = "national"
) -> CycleChanges:
    """Rank and score deltas per PCT between two cycles' tables, national or within the SHA.

    Both scores are on 0-100, so they compare even though Year 1 scored 10 competencies and
    Year 2 scored 11; the competency part of a delta mixes that change of scale in.
    """
    before = {row.pct_id: row for row in previous.rows}

    def rank(row: LeagueRow) -> int:
        return row.national_rank if scope == "national" else row.sha_rank

    changes = []
    for row in current.rows:
        old = before.get(row.pct_id)
        changes.append(RankChange(
            row.pct_id, row.sha_id, rank(row),
            rank(old) if old else None, row.score.overall, old.score.overall if old else None,
        ))
    now = {row.pct_id for row in current.rows}
    return CycleChanges(tuple(changes), tuple(sorted(set(before) - now)))
