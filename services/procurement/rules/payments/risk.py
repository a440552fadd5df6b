"""How much of a contract's fee is at risk, and the end-to-end 24-month rule.

S1: a PCT that outsources the end-to-end package "will not transfer high levels of risk to the
private sector for two years". We encode "high" as more than the configured share of the fee at
risk (settings.end_to_end_max_at_risk_percent, 10% in v1) during the configured window
(settings.end_to_end_risk_window_months, 24) from the contract's start date [I].

Share of the fee at risk, by model (a percentage of the fee expected when everything is met):
- fixed fee, capped time and materials: 0 (the fee does not depend on results; the cap limits
  what the PCT pays, the supplier bears only unpaid overrun);
- risk/reward: at_risk_percent;
- gain share: the part above the floor, (cap - floor) / cap; 100% when there is no cap;
- outcome-based: the outcome payments at target / (fixed element + outcome payments at target).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from services.procurement.rules.framework import Framework
from services.procurement.rules.money import format_percent
from services.procurement.rules.payments.terms import (
    GainShareTerms,
    OutcomeBasedTerms,
    PaymentTerms,
    RiskRewardTerms,
    parse_terms,
)


def at_risk_percent(terms: PaymentTerms) -> Fraction:
    """The share of the fee (0..100) that depends on the supplier's results."""
    if isinstance(terms, RiskRewardTerms):
        return Fraction(terms.at_risk_percent)
    if isinstance(terms, GainShareTerms):
        if terms.cap_pence is None:
            return Fraction(100)
        return Fraction(terms.cap_pence - terms.floor_pence, terms.cap_pence) * 100
    if isinstance(terms, OutcomeBasedTerms):
        variable = sum(o.payment_per_unit_pence * o.target_units for o in terms.outcomes)
        return Fraction(variable, terms.fixed_element_pence + variable) * 100
    return Fraction(0)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (29 Feb 2008 + 24 = 28 Feb 2010)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_risk_transfer(
    framework: Framework, package_type: str, model: str, params: Mapping[str, object],
    start_date: date, *, terms_from: date | None = None,
) -> str | None:
    """Why these payment terms are refused for the contract, or None when they are allowed.

    start_date is the contract's start; terms_from is when these terms take effect (default:
    the start), so terms that put more at risk only after the window are allowed.
    """
    if package_type != "end_to_end":
        return None
    settings = framework.settings
    window_ends = add_months(start_date, settings.end_to_end_risk_window_months)
    effective = terms_from or start_date
    if effective >= window_ends:
        return None
    share = at_risk_percent(parse_terms(model, params))
    limit = Fraction(settings.end_to_end_max_at_risk_percent)
    if share <= limit:
        return None
    months = settings.end_to_end_risk_window_months
    return (f"an end-to-end contract may not put more than {format_percent(limit / 100)} of its "
            f"fee at risk in its first {months} months (until {window_ends.isoformat()}); "
            f"these {model} terms put {format_percent(share / 100)} at risk from "
            f"{effective.isoformat()}")
