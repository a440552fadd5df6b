"""Mini-competition evaluation: the most economically advantageous tender (MEAT).

Formula (weights from the call-off, default price 40 / quality 60 from the framework settings):
    price score   = lowest bid price / this bid's price x price weight
    quality score = sum over criteria of (score / criterion max score) x criterion weight,
                    where the criterion weights add up to the quality weight
    total         = price score + quality score                      (out of 100)
Ranking: highest total first; on an exact tie the higher quality score wins, then the earlier
submission, then (only for identical submission times) the lower supplier id, so the order
never depends on input order.
Arithmetic is exact (fractions.Fraction over integer pence and integer scores): the ranking
compares exact values, and figures are rounded half up to 2 decimal places only for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from services.procurement.rules.framework import Framework

TWO_PLACES = Decimal("0.01")


class EvaluationError(ValueError):
    """The bids or the weights cannot be evaluated; the message says why."""


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    weight: int
    max_score: int


@dataclass(frozen=True, slots=True)
class Bid:
    supplier_id: str
    price_pence: int
    scores: Mapping[str, int]
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class ScoredBid:
    bid: Bid
    rank: int
    price_score: Fraction
    quality_score: Fraction

    @property
    def total(self) -> Fraction:
        return self.price_score + self.quality_score

    def display(self) -> dict[str, Decimal]:
        """The scores rounded half up to 2 places, for screens and reports."""
        return {name: _two_places(value) for name, value in (
            ("price", self.price_score), ("quality", self.quality_score), ("total", self.total))}


def default_criteria(framework: Framework) -> tuple[Criterion, ...]:
    return tuple(Criterion(c.code, c.weight, c.max_score)
                 for c in framework.settings.default_quality_criteria)


def evaluate(
    bids: Sequence[Bid], *, criteria: Sequence[Criterion], price_weight: int, quality_weight: int
) -> tuple[ScoredBid, ...]:
    """Score and rank the bids; rank 1 is the most economically advantageous tender."""
    _check_weights(criteria, price_weight, quality_weight)
    _check_bids(bids, criteria)
    lowest = min(bid.price_pence for bid in bids)
    scored = [
        (bid, Fraction(lowest, bid.price_pence) * price_weight, _quality(bid, criteria))
        for bid in bids
    ]
    scored.sort(key=lambda item: (-(item[1] + item[2]), -item[2], item[0].submitted_at,
                                  item[0].supplier_id))
    return tuple(ScoredBid(bid, rank, price, quality)
                 for rank, (bid, price, quality) in enumerate(scored, start=1))


def evaluate_with_defaults(framework: Framework, bids: Sequence[Bid]) -> tuple[ScoredBid, ...]:
    """Evaluate with the framework's default weights and quality criteria."""
    weights = framework.settings.evaluation_weights
    return evaluate(bids, criteria=default_criteria(framework), price_weight=weights.price,
                    quality_weight=weights.quality)


def check_weights(criteria: Sequence[Criterion], price_weight: int, quality_weight: int) -> None:
    """Refuse (EvaluationError) weights and criteria that could not evaluate bids."""
    _check_weights(criteria, price_weight, quality_weight)


def _quality(bid: Bid, criteria: Sequence[Criterion]) -> Fraction:
    return sum((Fraction(bid.scores[c.code], c.max_score) * c.weight for c in criteria),
               Fraction(0))


def _check_weights(criteria: Sequence[Criterion], price_weight: int, quality_weight: int) -> None:
    if price_weight < 0 or quality_weight < 0 or price_weight + quality_weight != 100:
        raise EvaluationError(
            "price and quality weights must add up to 100; "
            f"{price_weight} + {quality_weight} given")
    if not criteria:
        raise EvaluationError("at least one quality criterion is needed")
    total = sum(c.weight for c in criteria)
    if total != quality_weight:
        raise EvaluationError(
            f"the quality criteria weigh {total} in all, not the quality weight {quality_weight}")
    if any(c.weight <= 0 or c.max_score <= 0 for c in criteria):
        raise EvaluationError("every criterion needs a positive weight and maximum score")


def _check_bids(bids: Sequence[Bid], criteria: Sequence[Criterion]) -> None:
    if not bids:
        raise EvaluationError("there are no bids to evaluate")
    suppliers = [bid.supplier_id for bid in bids]
    if len(set(suppliers)) != len(suppliers):
        raise EvaluationError("a supplier has more than one bid; keep only its latest")
    codes = {c.code for c in criteria}
    for bid in bids:
        if bid.price_pence <= 0:
            raise EvaluationError(f"{bid.supplier_id}: a bid price must be more than £0.00")
        if set(bid.scores) != codes:
            raise EvaluationError(
                f"{bid.supplier_id}: scores must cover exactly the criteria {sorted(codes)}")
        for criterion in criteria:
            score = bid.scores[criterion.code]
            if not 0 <= score <= criterion.max_score:
                raise EvaluationError(
                    f"{bid.supplier_id}: score {score} for {criterion.code} is outside "
                    f"0..{criterion.max_score}")


def _two_places(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        TWO_PLACES, rounding=ROUND_HALF_UP)
