"""The demo generator reproduces the published Year 1 distributions for a fixed seed."""

from __future__ import annotations

from collections import Counter

import pytest

from services.assurance.rules.demo import DEFAULT_SEED, DemoCycle, generate_cycle
from services.assurance.rules.framework import Framework
from services.assurance.rules.league import distributions
from services.assurance.rules.published import PublishedResults, load_published_results
from services.assurance.rules.scoring import competency_levels
from services.assurance.rules.types import GOVERNANCE_AREAS, Rag


@pytest.fixture(scope="module")
def published() -> PublishedResults:
    return load_published_results("published-results-2008-09")


@pytest.fixture(scope="module")
def cycle(year1: Framework, published: PublishedResults) -> DemoCycle:
    return generate_cycle(year1, published, seed=DEFAULT_SEED)


class TestShape:
    def test_152_pcts_in_10_sha_groups(self, cycle: DemoCycle) -> None:
        assert [p.pct_id for p in cycle.pcts][:2] == ["P001", "P002"]
        assert cycle.pcts[-1].pct_id == "P152"
        sizes = Counter(p.sha_id for p in cycle.pcts)
        assert [sizes[f"S{n:02d}"] for n in range(1, 11)] == [
            12, 24, 14, 9, 17, 14, 31, 8, 9, 14]

    def test_same_seed_same_cycle(
        self, year1: Framework, published: PublishedResults, cycle: DemoCycle
    ) -> None:
        assert generate_cycle(year1, published, seed=DEFAULT_SEED).pcts == cycle.pcts
        assert generate_cycle(year1, published, seed=DEFAULT_SEED + 1).pcts != cycle.pcts

    def test_refuses_a_framework_the_figures_do_not_describe(
        self, year2: Framework, published: PublishedResults
    ) -> None:
        with pytest.raises(ValueError, match="describes wcc-2008-09"):
            generate_cycle(year2, published)


class TestPublishedDistribution:
    def test_competency_levels_match_the_published_counts(
        self, year1: Framework, published: PublishedResults, cycle: DemoCycle
    ) -> None:
        spread = distributions(year1, cycle.results)
        for row in published.competency_levels:
            assert spread.competencies[row.competency] == dict(row.counts)
            published_mean = sum(lvl * n for lvl, n in row.counts.items()) / 152
            assert abs(float(spread.mean_level(row.competency) or 0) - published_mean) < 0.01

    def test_governance_matches_the_published_counts(
        self, year1: Framework, published: PublishedResults, cycle: DemoCycle
    ) -> None:
        spread = distributions(year1, cycle.results)
        for area in GOVERNANCE_AREAS:
            assert spread.governance[area] == dict(published.governance_counts(area))

    def test_joint_governance_is_close_to_year_1(self, cycle: DemoCycle) -> None:
        # Published: 18% of PCTs green on all three areas, 2 PCTs red on all three.
        all_green = sum(all(r is Rag.GREEN for r in p.governance.values()) for p in cycle.pcts)
        all_red = sum(all(r is Rag.RED for r in p.governance.values()) for p in cycle.pcts)
        assert abs(all_green / 152 * 100 - 18) <= 4
        assert all_red <= 4

    def test_competency_11_is_not_scored(self, cycle: DemoCycle) -> None:
        assert {p.competency_levels["11"] for p in cycle.pcts} == {None}


class TestSubCompetencies:
    def test_rescoring_the_panel_levels_gives_the_competency_level(
        self, year1: Framework, cycle: DemoCycle
    ) -> None:
        for pct in cycle.pcts:
            assert competency_levels(year1, pct.sub_competencies) == dict(pct.competency_levels)

    def test_self_assessment_is_higher_most_on_competencies_5_and_6(
        self, cycle: DemoCycle
    ) -> None:
        ratings = [r for p in cycle.pcts for r in p.sub_competencies]
        assert all((r.self_level or 0) >= (r.panel_level or 0) for r in ratings)

        def share_above(codes: set[str]) -> float:
            chosen = [r for r in ratings if r.code.split(".")[0] in codes]
            return sum((r.self_level or 0) > (r.panel_level or 0) for r in chosen) / len(chosen)

        assert share_above({"5", "6"}) > share_above({"1", "2", "3", "4", "7", "8", "9", "10"})


class TestYear2:
    """Year 2 from what S24 published (percentages of 146 PCTs), the rest carried from Year 1."""

    def test_published_figures_are_reproduced(self, year2: Framework) -> None:
        published = load_published_results("published-results-2009-10")
        cycle = generate_cycle(year2, published, seed=DEFAULT_SEED)
        spread = distributions(year2, cycle.results)
        for row in published.competency_levels:
            assert spread.competencies[row.competency] == dict(row.counts)
        for area in GOVERNANCE_AREAS:
            assert spread.governance[area] == dict(published.governance_counts(area))
        assert round(float(spread.mean_level("11") or 0), 2) == 1.46  # scored from Year 2
        all_green = sum(all(r is Rag.GREEN for r in p.governance.values()) for p in cycle.pcts)
        all_red = sum(all(r is Rag.RED for r in p.governance.values()) for p in cycle.pcts)
        assert abs(all_green / 152 * 100 - 23) <= 4  # published: just under 23%
        assert all_red == 0  # published: none
