"""A deterministic national cycle of demo results shaped like a published distribution.

How (docs/assurance-rules.md, "Demo data"):
- every PCT gets a hidden capability; for each competency and each governance area the PCTs
  are ordered by capability plus noise and the published counts are dealt out from the top,
  so each marginal distribution is reproduced exactly and a strong PCT tends to be strong
  everywhere (which is what yields ~18% all-green and a couple of all-red PCTs);
- sub-competency panel levels are drawn among the triples that the framework's scoring
  strategy turns into the competency level, so re-scoring them gives the same level;
- self-assessments sit at or above the panel level, most often on competencies 5 and 6,
  as Year 1 panels marked below self-assessment with the biggest gaps there [S20].
PCT ids P001..P152 and SHA ids S01..S10 are placeholders for the real organisations.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from services.assurance.rules.framework import Framework
from services.assurance.rules.published import PublishedResults
from services.assurance.rules.scoring import STRATEGIES, SubCompetencyRating
from services.assurance.rules.types import GOVERNANCE_AREAS, LEVELS, PctResult, Rag

T = TypeVar("T")
DEFAULT_SEED = 20090131  # the Year 1 national calibration date
# Noise against the shared capability: larger is less correlated. Tuned so that Year 1 gives
# about 18% all-green PCTs and about 2 all-red ones (tests/assurance/rules/test_demo.py).
COMPETENCY_NOISE = 1.0
GOVERNANCE_NOISE = 0.75
SELF_ABOVE_PANEL = {"5": 0.55, "6": 0.55}  # chance a sub-competency is self-assessed 1 higher
SELF_ABOVE_PANEL_OTHERWISE = 0.3


@dataclass(frozen=True, slots=True)
class DemoPct:
    pct_id: str
    sha_id: str
    sub_competencies: tuple[SubCompetencyRating, ...]
    competency_levels: Mapping[str, int | None]
    governance: Mapping[str, Rag]

    @property
    def result(self) -> PctResult:
        return PctResult(self.pct_id, self.sha_id, self.competency_levels, self.governance)


@dataclass(frozen=True, slots=True)
class DemoCycle:
    cycle_id: str
    framework_version: str
    seed: int
    pcts: tuple[DemoPct, ...]

    @property
    def results(self) -> list[PctResult]:
        return [pct.result for pct in self.pcts]


def _deal(keys: Sequence[float], counts: Sequence[tuple[T, int]]) -> list[T]:
    """Give the first value of `counts` to the highest keys, and so on down."""
    order = sorted(range(len(keys)), key=lambda i: keys[i], reverse=True)
    dealt = itertools.chain.from_iterable(itertools.repeat(v, n) for v, n in counts)
    by_index = dict(zip(order, dealt, strict=True))
    return [by_index[i] for i in range(len(keys))]


def _triples(framework: Framework) -> dict[int, list[tuple[int, int, int]]]:
    combine = STRATEGIES[framework.scoring.strategy]
    by_level: dict[int, list[tuple[int, int, int]]] = {level: [] for level in LEVELS}
    for first, second, third in itertools.product(LEVELS, repeat=3):
        triple = (first, second, third)
        by_level[combine(triple)].append(triple)
    return by_level


def _sub_ratings(
    rng: random.Random, framework: Framework, levels: Mapping[str, int | None]
) -> tuple[SubCompetencyRating, ...]:
    triples = _triples(framework)
    ratings = []
    for code, level in levels.items():
        if level is None:
            continue
        # Prefer triples close to the level: panels rarely spread a competency from 1 to 4.
        options = triples[level]
        weights = [1 / (1 + sum(abs(x - level) for x in t)) ** 2 for t in options]
        chosen = rng.choices(options, weights)[0]
        above = SELF_ABOVE_PANEL.get(code, SELF_ABOVE_PANEL_OTHERWISE)
        for n, panel in enumerate(chosen, start=1):
            own = min(panel + 1, max(LEVELS)) if rng.random() < above else panel
            ratings.append(SubCompetencyRating(f"{code}.{n}", own, panel))
    return tuple(ratings)


def _sha_ids(published: PublishedResults) -> list[str]:
    return [f"S{group:02d}" for group, size in enumerate(published.sha_group_sizes, start=1)
            for _ in range(size)]


def generate_cycle(
    framework: Framework, published: PublishedResults, *, seed: int = DEFAULT_SEED
) -> DemoCycle:
    """One result per PCT, the same for the same seed; marginals equal the published counts."""
    if published.framework_version != framework.version_id:
        raise ValueError(f"{published.version_id} describes {published.framework_version}, "
                         f"not {framework.version_id}")
    rng = random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret
    size = published.population
    capability = [rng.gauss(0, 1) for _ in range(size)]

    def noisy(noise: float) -> list[float]:
        return [c + rng.gauss(0, noise) for c in capability]

    levels: dict[str, list[int | None]] = {c: [None] * size for c in framework.competency_codes}
    for code in framework.scored_competencies:
        counts = published.competency_counts(code)
        deal: list[tuple[int | None, int]] = [(lvl, counts[lvl]) for lvl in reversed(LEVELS)]
        levels[code] = _deal(noisy(COMPETENCY_NOISE), deal)
    ratings = {
        area: _deal(noisy(GOVERNANCE_NOISE), [(rag, published.governance_counts(area)[rag])
                                              for rag in (Rag.GREEN, Rag.AMBER, Rag.RED)])
        for area in GOVERNANCE_AREAS
    }
    pcts = []
    for i, sha_id in enumerate(_sha_ids(published)):
        own_levels = {code: levels[code][i] for code in framework.competency_codes}
        governance = {area: ratings[area][i] for area in GOVERNANCE_AREAS}
        subs = _sub_ratings(rng, framework, own_levels)
        pcts.append(DemoPct(f"P{i + 1:03d}", sha_id, subs, own_levels, governance))
    return DemoCycle(framework.cycle.id, framework.version_id, seed, tuple(pcts))
