"""The end-to-end rule: no more than 10% of the fee at risk in the first 24 months [S1, I]."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.procurement.rules.framework import Framework, load_framework
from services.procurement.rules.payments import (
    add_months,
    at_risk_percent,
    check_risk_transfer,
    parse_terms,
)

START = date(2008, 4, 1)  # the 24-month window ends on 2010-04-01
KPI = [{"code": "k", "weight": 1, "target": "1"}]
OUTCOMES = [
    {"code": "a", "description": "A", "payment_per_unit_pence": 50_000, "target_units": 60},
    {"code": "b", "description": "B", "payment_per_unit_pence": 4_000, "target_units": 250},
]


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(1)


def risk_reward(percent: str) -> dict[str, object]:
    return {"base_fee_pence": 2_000_000, "at_risk_percent": percent, "kpis": KPI}


class TestShareAtRisk:
    @pytest.mark.parametrize(("model", "params", "share"), [
        ("fixed_fee", {"total_fee_pence": 1_000, "instalments": 2}, Fraction(0)),
        ("capped_time_and_materials", {"hourly_rate_pence": 1, "cap_pence": 1}, Fraction(0)),
        ("risk_reward", risk_reward("12.5"), Fraction(25, 2)),
        # (5,000,000 - 500,000) / 5,000,000 = 90%
        ("gain_share", {"share_percent": 25, "floor_pence": 500_000, "cap_pence": 5_000_000},
         Fraction(90)),
        ("gain_share", {"share_percent": 25}, Fraction(100)),
        # outcomes at target 60 x 50,000 + 250 x 4,000 = 4,000,000 of 4,200,000 = 95.238...%
        ("outcome_based", {"fixed_element_pence": 200_000, "outcomes": OUTCOMES},
         Fraction(2000, 21)),
    ])
    def test_share_by_model(self, model: str, params: dict[str, object], share: Fraction) -> None:
        assert at_risk_percent(parse_terms(model, params)) == share


class TestEndToEndWindow:
    def test_more_than_ten_percent_inside_the_window_is_refused(
        self, framework: Framework
    ) -> None:
        reason = check_risk_transfer(framework, "end_to_end", "risk_reward", risk_reward("12.5"),
                                     START)
        assert reason == (
            "an end-to-end contract may not put more than 10.00% of its fee at risk in its "
            "first 24 months (until 2010-04-01); these risk_reward terms put 12.50% at risk from "
            "2008-04-01")

    def test_exactly_ten_percent_is_allowed(self, framework: Framework) -> None:
        assert check_risk_transfer(framework, "end_to_end", "risk_reward", risk_reward("10"),
                                   START) is None
        # fixed 36,000,000 + outcomes 4,000,000: 4,000,000 / 40,000,000 = 10%
        params = {"fixed_element_pence": 36_000_000, "outcomes": OUTCOMES}
        assert check_risk_transfer(framework, "end_to_end", "outcome_based", params, START) is None

    def test_terms_from_the_last_day_of_the_window_are_refused(
        self, framework: Framework
    ) -> None:
        reason = check_risk_transfer(framework, "end_to_end", "gain_share", {"share_percent": 25},
                                     START, terms_from=date(2010, 3, 31))
        assert reason is not None and "100.00% at risk from 2010-03-31" in reason

    def test_terms_from_the_end_of_the_window_are_allowed(self, framework: Framework) -> None:
        assert check_risk_transfer(framework, "end_to_end", "gain_share", {"share_percent": 25},
                                   START, terms_from=date(2010, 4, 1)) is None

    def test_a_fixed_fee_end_to_end_is_allowed(self, framework: Framework) -> None:
        params = {"total_fee_pence": 90_000_000, "instalments": 24}
        assert check_risk_transfer(framework, "end_to_end", "fixed_fee", params, START) is None

    def test_other_packages_may_put_any_share_at_risk(self, framework: Framework) -> None:
        assert check_risk_transfer(framework, "macro", "gain_share", {"share_percent": 25},
                                   START) is None


class TestAddMonths:
    def test_clamps_to_the_end_of_a_shorter_month(self) -> None:
        assert add_months(date(2008, 2, 29), 24) == date(2010, 2, 28)
        assert add_months(date(2008, 1, 31), 1) == date(2008, 2, 29)

    def test_crosses_years(self) -> None:
        assert add_months(date(2008, 11, 15), 14) == date(2010, 1, 15)
