"""From ratings and contract prices to the parameters of new runs (pure)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from services.market.observation.mapping import (
    Observations,
    PricedContract,
    demand_adjustment,
    derive,
    load_policy,
    price_factor,
)
from services.market.simulation import load_scenario

POLICY = load_policy()
# £4.25m over two years (730 days) for 250,000 people: 851 pence a head a year
END_TO_END = PricedContract("end_to_end", 425_000_000, date(2008, 7, 1), date(2010, 6, 30),
                            250_000)


class TestDemand:
    def test_no_ratings_leave_the_prior(self) -> None:
        assert demand_adjustment([], POLICY.demand) == (None, 1.0)

    def test_the_survey_share_of_weak_commissioners_is_neutral(self) -> None:
        levels = [1.5, 1.8, 2.5] * 10  # two thirds below level 2
        reliant, adjustment = demand_adjustment(levels, POLICY.demand)
        assert reliant == pytest.approx(2 / 3, abs=1e-6)
        assert adjustment == pytest.approx(1.0, abs=1e-4)

    def test_weaker_commissioners_raise_demand_shrunk_towards_the_prior(self) -> None:
        # every one of 20 PCTs reliant: share ratio 1.5, weight 20 / (20 + 20) = 0.5
        assert demand_adjustment([1.4] * 20, POLICY.demand) == (1.0, pytest.approx(1.25, 1e-4))
        # stronger ones lower it; a single rating moves it little
        assert demand_adjustment([3.2] * 20, POLICY.demand)[1] == 0.5  # 1 + 0.5 x (0 - 1)
        assert demand_adjustment([1.4], POLICY.demand)[1] == pytest.approx(1.0238, abs=1e-4)


class TestPrice:
    def test_price_per_head_a_year_is_exact_pence(self) -> None:
        price = END_TO_END.price_per_head_a_year()
        assert price == Fraction(425_000_000, 250_000) / (Fraction(730) / Fraction(36525, 100))
        assert round(price) == 851

    def test_only_whole_bundles_with_a_population_price_support(self) -> None:
        micro = PricedContract("micro", 4_500_000, date(2009, 2, 1), date(2009, 7, 31), 300_000)
        unknown = PricedContract("end_to_end", 9_000_000, date(2009, 2, 1), date(2010, 1, 31),
                                 None)
        assert price_factor([micro, unknown], POLICY.price) == (0, None, 1.0)
        priced, mean, factor = price_factor([END_TO_END, micro], POLICY.price)
        assert (priced, mean) == (1, 851)
        exact = float(END_TO_END.price_per_head_a_year() or 0)  # 850.58...
        assert factor == pytest.approx(1 + (exact / 850 - 1) * 1 / (1 + 5), abs=1e-6)


class TestDerive:
    def test_a_run_records_the_inputs_and_the_parameters_they_changed(self) -> None:
        historical = load_scenario("historical")
        doubled = PricedContract("end_to_end", 850_000_000, date(2008, 7, 1),
                                 date(2010, 6, 30), 250_000)
        scenario, inputs = derive(historical, Observations((1.4,) * 20, (doubled,)))
        demand = inputs["demand_adjustment"]
        assert inputs["ratings"] == 20 and demand == pytest.approx(1.25, abs=1e-4)
        assert (inputs["observed_contracts"], inputs["priced_contracts"]) == (1, 1)
        assert inputs["mean_price_per_head_pence"] == 1701
        assert scenario.in_house.quality == pytest.approx(0.6 / demand, abs=1e-6)
        assert scenario.ccgs.initial_in_house_share == pytest.approx(0.1 / demand, abs=1e-6)
        assert scenario.private.unit_cost == pytest.approx(0.8 * inputs["price_factor"], abs=1e-6)
        assert set(inputs["applied"]) == {"ccgs.initial_in_house_share", "in_house.quality",
                                          "ally.quality", "private.unit_cost"}
        assert scenario.csus == historical.csus

    def test_nothing_observed_changes_nothing(self) -> None:
        historical = load_scenario("historical")
        scenario, inputs = derive(historical, Observations((), ()))
        assert scenario == historical and inputs["applied"] == {}
