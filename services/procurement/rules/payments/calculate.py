"""The payment due for one period of a contract, as explained lines in pence.

Each line is an amount (possibly negative, e.g. work beyond a cap) and a sentence saying how it
was reached; the payment is the sum of its lines. Intermediate amounts are exact fractions of a
penny, rounded half up once per line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from services.procurement.rules.money import (
    format_pence,
    format_percent,
    percent_of,
    round_half_up,
)
from services.procurement.rules.payments.terms import (
    CappedTimeAndMaterialsTerms,
    FixedFeeTerms,
    GainShareTerms,
    Kpi,
    OutcomeBasedTerms,
    PaymentTerms,
    RiskRewardTerms,
)


class PaymentError(ValueError):
    """The period's figures do not fit the contract's terms; the message says why."""


@dataclass(frozen=True, slots=True)
class Instalment:
    """Fixed fee: which instalment (1-based) is due."""

    number: int


@dataclass(frozen=True, slots=True)
class TimeSheet:
    """Capped T&M: hours worked this period and what was paid before it."""

    hours: Decimal
    paid_to_date_pence: int = 0


@dataclass(frozen=True, slots=True)
class KpiResults:
    """Risk/reward: the measured value of each KPI this period."""

    actuals: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class VerifiedSavings:
    """Gain share: savings verified for the period (negative when costs rose)."""

    savings_pence: int


@dataclass(frozen=True, slots=True)
class OutcomeResults:
    """Outcome-based: units achieved of each outcome this period."""

    achieved: Mapping[str, int]


PeriodFigures = Instalment | TimeSheet | KpiResults | VerifiedSavings | OutcomeResults


@dataclass(frozen=True, slots=True)
class PaymentLine:
    amount_pence: int
    explanation: str

    @property
    def text(self) -> str:
        """The line as one sentence with its amount (what PaymentCalculated.lines carries)."""
        return f"{self.explanation}: {format_pence(self.amount_pence)}"


@dataclass(frozen=True, slots=True)
class Payment:
    lines: tuple[PaymentLine, ...]

    @property
    def total_pence(self) -> int:
        return sum(line.amount_pence for line in self.lines)


def calculate_payment(terms: PaymentTerms, figures: PeriodFigures) -> Payment:
    """The payment due for a period under the contract's terms."""
    if isinstance(terms, FixedFeeTerms) and isinstance(figures, Instalment):
        return Payment(_fixed_fee(terms, figures))
    if isinstance(terms, CappedTimeAndMaterialsTerms) and isinstance(figures, TimeSheet):
        return Payment(_capped_time_and_materials(terms, figures))
    if isinstance(terms, RiskRewardTerms) and isinstance(figures, KpiResults):
        return Payment(_risk_reward(terms, figures))
    if isinstance(terms, GainShareTerms) and isinstance(figures, VerifiedSavings):
        return Payment(_gain_share(terms, figures))
    if isinstance(terms, OutcomeBasedTerms) and isinstance(figures, OutcomeResults):
        return Payment(_outcome_based(terms, figures))
    raise PaymentError(f"{type(figures).__name__} figures do not apply to a {terms.model} contract")


def _fixed_fee(terms: FixedFeeTerms, figures: Instalment) -> tuple[PaymentLine, ...]:
    count = terms.instalments
    if not 1 <= figures.number <= count:
        raise PaymentError(f"instalment {figures.number} is outside 1..{count}")
    # Equal instalments in whole pence; the pence left over by the division go in the last one.
    amount, left_over = divmod(terms.total_fee_pence, count)
    text = (f"Instalment {figures.number} of {count} of the fixed fee "
            f"{format_pence(terms.total_fee_pence)}")
    if figures.number == count and left_over:
        amount += left_over
        text += f" (including the {left_over}p left over by equal division)"
    return (PaymentLine(amount, text),)


def _capped_time_and_materials(
    terms: CappedTimeAndMaterialsTerms, figures: TimeSheet
) -> tuple[PaymentLine, ...]:
    if figures.hours < 0 or figures.paid_to_date_pence < 0:
        raise PaymentError("hours and the amount paid to date cannot be negative")
    worked = round_half_up(Fraction(figures.hours) * terms.hourly_rate_pence)
    lines = [PaymentLine(worked, f"{figures.hours} hours x "
                                 f"{format_pence(terms.hourly_rate_pence)} an hour")]
    room = max(terms.cap_pence - figures.paid_to_date_pence, 0)
    if worked > room:
        lines.append(PaymentLine(-(worked - room), (
            f"Cap {format_pence(terms.cap_pence)} with {format_pence(figures.paid_to_date_pence)}"
            f" already paid leaves {format_pence(room)}: {format_pence(worked - room)} of work "
            "beyond the cap is not paid")))
    return tuple(lines)


def _risk_reward(terms: RiskRewardTerms, figures: KpiResults) -> tuple[PaymentLine, ...]:
    _require_exact_codes("KPI", {k.code for k in terms.kpis}, set(figures.actuals))
    total_weight = sum(k.weight for k in terms.kpis)
    achieved = {k.code: _achievement(k, figures.actuals[k.code]) for k in terms.kpis}
    overall = sum((achieved[k.code] * k.weight for k in terms.kpis), Fraction(0)) / total_weight
    at_risk = round_half_up(percent_of(terms.base_fee_pence, terms.at_risk_percent))
    withheld = round_half_up(at_risk * (1 - overall))
    detail = "; ".join(f"{k.code} {format_percent(achieved[k.code])} (weight {k.weight})"
                       for k in terms.kpis)
    lines = [
        PaymentLine(terms.base_fee_pence, f"Base fee {format_pence(terms.base_fee_pence)}"),
        PaymentLine(-withheld, (
            f"KPIs achieved {format_percent(overall)} by weight ({detail}): "
            f"{format_percent(1 - overall)} of the {format_pence(at_risk)} at risk is withheld")),
    ]
    return (*lines, *_bonus(terms, figures, total_weight))


def _bonus(terms: RiskRewardTerms, figures: KpiResults, total_weight: int) -> list[PaymentLine]:
    stretched = [k for k in terms.kpis
                 if k.stretch is not None and _meets(k, figures.actuals[k.code], k.stretch)]
    pool = round_half_up(percent_of(terms.base_fee_pence, terms.bonus_percent))
    if pool == 0:
        return []
    weight = sum(k.weight for k in stretched)
    bonus = round_half_up(Fraction(pool * weight, total_weight))
    names = ", ".join(k.code for k in stretched) or "none"
    return [PaymentLine(bonus, (
        f"Bonus: stretch level met on {names} (weight {weight} of {total_weight}) "
        f"of the {format_pence(pool)} bonus pool"))]


def _achievement(kpi: Kpi, actual: Decimal) -> Fraction:
    """Share of the target achieved, between 0 and 1 (lower-is-better KPIs invert the ratio)."""
    if _meets(kpi, actual, kpi.target):
        return Fraction(1)
    ratio = Fraction(actual) / Fraction(kpi.target) if kpi.higher_is_better else (
        Fraction(kpi.target) / Fraction(actual))
    return max(ratio, Fraction(0))


def _meets(kpi: Kpi, actual: Decimal, level: Decimal) -> bool:
    return actual >= level if kpi.higher_is_better else actual <= level


def _gain_share(terms: GainShareTerms, figures: VerifiedSavings) -> tuple[PaymentLine, ...]:
    share = round_half_up(percent_of(figures.savings_pence, terms.share_percent))
    lines = [PaymentLine(share, (f"{terms.share_percent}% of verified savings "
                                 f"{format_pence(figures.savings_pence)}"))]
    if share < terms.floor_pence:
        lines.append(PaymentLine(terms.floor_pence - share,
                                 f"Floor: at least {format_pence(terms.floor_pence)} is paid"))
    elif terms.cap_pence is not None and share > terms.cap_pence:
        lines.append(PaymentLine(terms.cap_pence - share,
                                 f"Cap: at most {format_pence(terms.cap_pence)} is paid"))
    return tuple(lines)


def _outcome_based(terms: OutcomeBasedTerms, figures: OutcomeResults) -> tuple[PaymentLine, ...]:
    _require_exact_codes("outcome", {o.code for o in terms.outcomes}, set(figures.achieved))
    lines = []
    if terms.fixed_element_pence:
        lines.append(PaymentLine(terms.fixed_element_pence,
                                 f"Fixed element {format_pence(terms.fixed_element_pence)}"))
    for outcome in terms.outcomes:
        achieved = figures.achieved[outcome.code]
        if achieved < 0:
            raise PaymentError(f"outcome {outcome.code}: units achieved cannot be negative")
        paid = min(achieved, outcome.target_units)
        rate = format_pence(outcome.payment_per_unit_pence)
        text = (f"{outcome.description} ({outcome.code}): {achieved} achieved against a target "
                f"of {outcome.target_units}; {paid} paid x {rate}")
        if achieved > outcome.target_units:
            text += " (nothing is paid beyond the target)"
        lines.append(PaymentLine(paid * outcome.payment_per_unit_pence, text))
    return tuple(lines)


def _require_exact_codes(what: str, expected: set[str], given: set[str]) -> None:
    if missing := sorted(expected - given):
        raise PaymentError(f"no result for {what} {', '.join(missing)}")
    if unknown := sorted(given - expected):
        raise PaymentError(f"the contract has no {what} {', '.join(unknown)}")
