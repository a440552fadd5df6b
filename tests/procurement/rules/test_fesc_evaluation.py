"""MEAT evaluation against hand-computed scores, and deterministic tie-breaks.

Criteria (framework defaults): approach 25, capability 20, outcomes 15, each scored out of 5;
price weight 40, quality weight 60.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from services.procurement.rules.evaluation import (
    Bid,
    Criterion,
    EvaluationError,
    evaluate,
    evaluate_with_defaults,
)
from services.procurement.rules.framework import Framework, load_framework

POUND = 100


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(1)


def bid(supplier: str, pounds: int, approach: int, capability: int, outcomes: int,
        minute: int = 0) -> Bid:
    return Bid(supplier, pounds * POUND,
               {"approach": approach, "capability": capability, "outcomes": outcomes},
               datetime(2007, 12, 14, 12, minute, tzinfo=UTC))


class TestScores:
    def test_hand_computed_scores_and_ranking(self, framework: Framework) -> None:
        # lowest price £160,000
        # A £200,000: price 160/200 x 40 = 32;  quality 4/5x25 + 3/5x20 + 5/5x15 = 20+12+15 = 47
        #             total 79
        # B £160,000: price 40;                 quality 3/5x25 + 3/5x20 + 3/5x15 = 15+12+9 = 36
        #             total 76
        # C £250,000: price 160/250 x 40 = 25.6; quality 25 + 20 + 4/5x15 = 57; total 82.6
        ranked = evaluate_with_defaults(framework, [
            bid("FESC05", 200_000, 4, 3, 5),
            bid("FESC02", 160_000, 3, 3, 3),
            bid("FESC06", 250_000, 5, 5, 4),
        ])
        assert [(s.bid.supplier_id, s.rank) for s in ranked] == [
            ("FESC06", 1), ("FESC05", 2), ("FESC02", 3)]
        assert [s.display() for s in ranked] == [
            {"price": Decimal("25.60"), "quality": Decimal("57.00"), "total": Decimal("82.60")},
            {"price": Decimal("32.00"), "quality": Decimal("47.00"), "total": Decimal("79.00")},
            {"price": Decimal("40.00"), "quality": Decimal("36.00"), "total": Decimal("76.00")},
        ]

    def test_scores_are_exact(self, framework: Framework) -> None:
        # £300,000 against £900,000: 300/900 x 40 = 40/3, not a rounded decimal
        ranked = evaluate_with_defaults(framework, [bid("FESC01", 300_000, 0, 0, 0),
                                                    bid("FESC02", 900_000, 0, 0, 0)])
        assert ranked[1].price_score == Fraction(40, 3)
        assert ranked[1].display()["price"] == Decimal("13.33")


class TestTies:
    def test_equal_totals_go_to_the_higher_quality(self, framework: Framework) -> None:
        # D £100,000 (lowest): price 40; quality 15+12+9 = 36; total 76
        # E £200,000: price 100/200 x 40 = 20; quality 25+16+15 = 56; total 76 -> E first
        ranked = evaluate_with_defaults(framework, [bid("FESC03", 100_000, 3, 3, 3),
                                                    bid("FESC08", 200_000, 5, 4, 5)])
        assert [s.bid.supplier_id for s in ranked] == ["FESC08", "FESC03"]
        assert ranked[0].total == ranked[1].total == 76

    def test_equal_totals_and_quality_go_to_the_earlier_submission(
        self, framework: Framework
    ) -> None:
        bids = [bid("FESC02", 120_000, 4, 4, 4, minute=30),
                bid("FESC10", 120_000, 4, 4, 4, minute=5)]
        for order in (bids, list(reversed(bids))):
            assert [s.bid.supplier_id for s in evaluate_with_defaults(framework, order)] == [
                "FESC10", "FESC02"]

    def test_a_tie_that_float_arithmetic_would_break(self, framework: Framework) -> None:
        # lowest £300,000 (L scores everything: 40 + 60 = 100)
        # X £900,000: price 300/900 x 40 = 40/3;  quality 10+16+9 = 35; total 145/3
        # Y £360,000: price 300/360 x 40 = 100/3; quality 5+4+6 = 15;   total 145/3
        # In floats X totals 48.33333333333333 and Y 48.333333333333336, which would put Y
        # first; exactly they tie and X's higher quality wins.
        assert 300_000 / 900_000 * 40 + 35 < 300_000 / 360_000 * 40 + 15
        ranked = evaluate_with_defaults(framework, [bid("FESC09", 360_000, 1, 1, 2),
                                                    bid("FESC13", 900_000, 2, 4, 3),
                                                    bid("FESC12", 300_000, 5, 5, 5)])
        assert [s.bid.supplier_id for s in ranked] == ["FESC12", "FESC13", "FESC09"]
        assert ranked[1].total == ranked[2].total == Fraction(145, 3)


class TestRefusals:
    def test_criteria_must_fill_the_quality_weight(self) -> None:
        with pytest.raises(EvaluationError, match="weigh 50 in all, not the quality weight 60"):
            evaluate([bid("FESC02", 1, 1, 1, 1)],
                     criteria=[Criterion("approach", 25, 5), Criterion("capability", 25, 5)],
                     price_weight=40, quality_weight=60)

    def test_weights_must_add_up_to_100(self) -> None:
        with pytest.raises(EvaluationError, match="add up to 100"):
            evaluate([bid("FESC02", 1, 1, 1, 1)], criteria=[Criterion("approach", 70, 5)],
                     price_weight=40, quality_weight=70)

    def test_a_score_above_the_maximum_is_refused(self, framework: Framework) -> None:
        with pytest.raises(EvaluationError, match=r"score 6 for approach is outside 0\.\.5"):
            evaluate_with_defaults(framework, [bid("FESC02", 100_000, 6, 1, 1)])

    def test_a_missing_score_is_refused(self, framework: Framework) -> None:
        partial = Bid("FESC02", 100, {"approach": 3}, datetime(2008, 1, 1, tzinfo=UTC))
        with pytest.raises(EvaluationError, match="cover exactly the criteria"):
            evaluate_with_defaults(framework, [partial])

    def test_a_zero_price_is_refused(self, framework: Framework) -> None:
        with pytest.raises(EvaluationError, match=r"more than £0\.00"):
            evaluate_with_defaults(framework, [bid("FESC02", 0, 1, 1, 1)])

    def test_two_bids_from_one_supplier_are_refused(self, framework: Framework) -> None:
        with pytest.raises(EvaluationError, match="more than one bid"):
            evaluate_with_defaults(framework, [bid("FESC02", 1, 1, 1, 1),
                                               bid("FESC02", 2, 1, 1, 1)])

    def test_no_bids(self, framework: Framework) -> None:
        with pytest.raises(EvaluationError, match="no bids"):
            evaluate_with_defaults(framework, [])
