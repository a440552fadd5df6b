"""League tables by the HSJ method, checked against arithmetic done by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from services.assurance.rules.framework import Framework
from services.assurance.rules.league import (
    as_decimal,
    changes_since,
    competition_ranks,
    distributions,
    league_score,
    league_table,
)
from services.assurance.rules.types import IncompleteResultError, Rag

from .builders import make_result

# Year 1: RAG points R=0 A=1 G=2, governance max 3 x 2 = 6; 10 scored competencies, max 40.
#
# A (SHA X): G G A = 2+2+1 = 5 -> 5/6 x 100 = 83.33;  ten at 2 = 20 -> 20/40 x 100 = 50
#            overall (83.33 + 50) / 2 = 66.67  (exactly 200/3)
# B (SHA X): G G G = 6 -> 100;  eight at 2 + two at 1 = 18 -> 45;  overall 72.5
# C (SHA Y): A A A = 3 -> 50;   ten at 3 = 30 -> 75;               overall 62.5
# D (SHA Y): R A G = 0+1+2 = 3 -> 50;  five at 3 + five at 2 = 25 -> 62.5;  overall 56.25
# E (SHA Y): G G G = 6 -> 100;  ten at 1 = 10 -> 25;               overall 62.5 (ties C)
#
# National, best first: B 72.5 (1), A 66.67 (2), C 62.5 (3), E 62.5 (3), D 56.25 (5) -> "12335"
# SHA X: B 1, A 2.  SHA Y: C 1, E 1, D 3.
A = make_result("A", "GGA", [2] * 10, "X")
B = make_result("B", "GGG", [2] * 8 + [1] * 2, "X")
C = make_result("C", "AAA", [3] * 10, "Y")
D = make_result("D", "RAG", [3] * 5 + [2] * 5, "Y")
E = make_result("E", "GGG", [1] * 10, "Y")
FIVE = [A, B, C, D, E]


class TestScore:
    def test_hand_computed_parts(self, year1: Framework) -> None:
        score = league_score(year1, A)
        assert (score.governance_points, score.governance_max) == (5, 6)
        assert (score.competency_points, score.competency_max) == (20, 40)
        assert score.governance_score == Fraction(250, 3)  # 83.33...
        assert score.competency_score == 50
        assert score.overall == Fraction(200, 3)
        assert as_decimal(score.overall) == Decimal("66.67")

    def test_year_2_counts_eleven_competencies(self, year2: Framework) -> None:
        # G G G = 100; eleven at 2 = 22 of 44 = 50; overall (100 + 50) / 2 = 75
        score = league_score(year2, make_result("F", "GGG", [2] * 11))
        assert score.competency_max == 44
        assert score.overall == 75

    def test_year_1_ignores_competency_11(self, year1: Framework) -> None:
        with_11 = make_result("F", "GGG", [2] * 10 + [4])
        assert league_score(year1, with_11).overall == 75

    def test_an_unrated_competency_is_an_error(self, year1: Framework) -> None:
        with pytest.raises(IncompleteResultError, match="not rated: competency 3"):
            league_score(year1, make_result("F", "GGG", [2, 2, None] + [2] * 7))


class TestRanking:
    def test_competition_ranks_share_and_skip(self) -> None:
        keys = [(Fraction(9),), (Fraction(8),), (Fraction(8),), (Fraction(7),)]
        assert competition_ranks(keys) == [1, 2, 2, 4]

    def test_national_order_with_a_tie(self, year1: Framework) -> None:
        table = league_table(year1, FIVE)
        assert [(r.pct_id, r.national_rank) for r in table.rows] == [
            ("B", 1), ("A", 2), ("C", 3), ("E", 3), ("D", 5)]
        assert [as_decimal(r.score.overall) for r in table.rows] == [
            Decimal("72.50"), Decimal("66.67"), Decimal("62.50"), Decimal("62.50"),
            Decimal("56.25")]

    def test_ranks_within_each_sha(self, year1: Framework) -> None:
        table = league_table(year1, FIVE)
        assert [(r.pct_id, r.sha_rank) for r in table.for_sha("X")] == [("B", 1), ("A", 2)]
        assert [(r.pct_id, r.sha_rank) for r in table.for_sha("Y")] == [
            ("C", 1), ("E", 1), ("D", 3)]

    def test_hsj_print_order_puts_governance_first(self, year1: Framework) -> None:
        # governance then competency score: B (100, 45), E (100, 25), A (83.3, 50),
        # C (50, 75), D (50, 62.5): no ties left
        table = league_table(year1, FIVE, order="governance_first")
        assert [(r.pct_id, r.national_rank) for r in table.rows] == [
            ("B", 1), ("E", 2), ("A", 3), ("C", 4), ("D", 5)]

    def test_input_order_does_not_matter(self, year1: Framework) -> None:
        assert league_table(year1, FIVE).rows == league_table(year1, FIVE[::-1]).rows

    def test_unrated_pcts_are_left_out_and_listed(self, year1: Framework) -> None:
        partial = make_result("P", "GGG", [None] * 10)
        table = league_table(year1, [*FIVE, partial])
        assert table.excluded == ("P",)
        assert len(table.rows) == 5


class TestDistributions:
    def test_counts_per_level_and_rating(self, year1: Framework) -> None:
        spread = distributions(year1, FIVE)
        # competency 1: A 2, B 2, C 3, D 3, E 1
        assert spread.competencies["1"] == {1: 1, 2: 2, 3: 2, 4: 0}
        # competency 10: A 2, B 1, C 3, D 2, E 1
        assert spread.competencies["10"] == {1: 2, 2: 2, 3: 1, 4: 0}
        assert spread.mean_level("1") == Fraction(11, 5)
        # strategy: G G A R G
        assert spread.governance["strategy"] == {Rag.RED: 1, Rag.AMBER: 1, Rag.GREEN: 3}
        assert spread.governance["board"] == {Rag.RED: 0, Rag.AMBER: 2, Rag.GREEN: 3}
        assert "11" not in spread.competencies


class TestChangeSinceLastCycle:
    def test_rank_and_score_deltas_new_entries_and_drop_outs(
        self, year1: Framework, year2: Framework
    ) -> None:
        previous = league_table(year1, FIVE)
        # Year 2: A G G G, eleven at 2 = 100 and 50 -> 75;  C unchanged shape -> 50 and 75
        # (33/44) -> 62.5;  new F: G G A, eleven at 3 = 83.33 and 75 -> 79.17;  B, D, E gone
        current = league_table(year2, [
            make_result("A", "GGG", [2] * 11, "X"),
            make_result("C", "AAA", [3] * 11, "Y"),
            make_result("F", "GGA", [3] * 11, "X"),
        ])
        moves = {c.pct_id: c for c in changes_since(previous, current).changes}
        assert (moves["F"].rank, moves["F"].is_new, moves["F"].rank_delta) == (1, True, None)
        # A: 2nd -> 2nd, 66.67 -> 75 = +8.33 (25/3)
        assert (moves["A"].rank_delta, moves["A"].score_delta) == (0, Fraction(25, 3))
        # C: 3rd -> 3rd, 62.5 -> 62.5
        assert (moves["C"].rank_delta, moves["C"].score_delta) == (0, 0)
        assert changes_since(previous, current).dropped == ("B", "D", "E")

    def test_sha_scope_uses_ranks_within_the_sha(self, year1: Framework) -> None:
        previous = league_table(year1, FIVE)
        # D climbs: R A G -> G G G is 100; with 25 points (62.5) overall 81.25, top of SHA Y
        better_d = make_result("D", "GGG", [3] * 5 + [2] * 5, "Y")
        current = league_table(year1, [A, B, C, better_d, E])
        moves = {c.pct_id: c for c in changes_since(previous, current, scope="sha").changes}
        assert (moves["D"].previous_rank, moves["D"].rank, moves["D"].rank_delta) == (3, 1, 2)
        assert moves["D"].score_delta == Fraction(25)  # 56.25 -> 81.25
