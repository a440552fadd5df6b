"""Calibration: the history targets, the error score and the parameter search."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.market.simulation.calibration import (
    CalibrationTarget,
    History,
    Parameter,
    calibrate,
    load_history,
    score,
)
from services.market.simulation.scenario import load_scenario, with_parameters


class TestHistory:
    def test_targets_carry_the_published_trajectory(self) -> None:
        targets = {(t.output, str(t.at or t.fiscal_year)): t.value for t in load_history().targets}
        assert targets[("active_csus", "2013-04-01")] == 19
        assert targets[("active_csus", "2014-05-01")] == 18
        assert targets[("active_csus", "2014-07-01")] == 9
        assert targets[("active_csus", "2017-04-01")] == 5
        assert targets[("csu_income_per_head", "2013")] == 11.0
        assert targets[("csu_turnover_m", "2013")] == 808
        assert all(t.source for t in load_history().targets)

    def test_a_target_names_a_known_output_and_one_period(self) -> None:
        with pytest.raises(ValidationError, match="unknown output 'csu_count'"):
            CalibrationTarget(output="csu_count", fiscal_year=2013, value=1, source="x")
        with pytest.raises(ValidationError, match="exactly one of"):
            CalibrationTarget(output="active_csus", value=1, source="x")


class TestScore:
    def test_score_is_the_weighted_sum_of_squared_relative_errors(self) -> None:
        result = score(load_scenario("baseline"), replications=4)
        for term in result.terms:
            error = (term.modelled - term.target.value) / term.target.value
            assert term.contribution == pytest.approx(term.target.weight * error**2)
        assert result.total == pytest.approx(sum(t.contribution for t in result.terms))
        assert result.terms[0].contribution == 0.0  # 19 CSUs at the start, by construction

    def test_a_financial_year_target_averages_its_four_quarters(self) -> None:
        history = History(targets=[CalibrationTarget(
            output="allowance_per_head", fiscal_year=2014, value=24.78, source="S39")])
        assert score(load_scenario("baseline"), history, replications=2).total == pytest.approx(0)

    def test_a_target_outside_the_run_is_reported(self) -> None:
        short = with_parameters(load_scenario("baseline"), {"quarters": 8})
        with pytest.raises(ValueError, match="outside the scenario's 8 quarters"):
            score(short, replications=2)

    def test_historical_scenario_fits_better_than_the_baseline_priors(self) -> None:
        historical = score(load_scenario("historical"), replications=16).total
        baseline = score(load_scenario("baseline"), replications=16).total
        assert historical < baseline


class TestCalibrate:
    def test_search_lowers_the_score_from_a_poor_start(self) -> None:
        start = with_parameters(load_scenario("historical"),
                                {"csus.min_efficient_scale": 8_000_000, "csus.fixed_cost_m": 12.0})
        parameters = (Parameter("csus.min_efficient_scale", 2_000_000, 8_000_000),
                      Parameter("csus.fixed_cost_m", 1.0, 15.0))
        fractions: list[float] = []
        report = calibrate(start, parameters=parameters, budget=10, replications=4,
                           progress=fractions.append)
        assert report.best.score < report.start.score
        assert report.improvement > 0.2
        assert len(report.evaluations) <= 10 and fractions[-1] <= 1.0
        assert report.scenario.csus.min_efficient_scale == report.best.values[
            "csus.min_efficient_scale"]
        assert report.start.values == {"csus.min_efficient_scale": 8_000_000,
                                       "csus.fixed_cost_m": 12.0}

    def test_integer_parameters_stay_whole_numbers(self) -> None:
        report = calibrate(load_scenario("historical"),
                           parameters=(Parameter("csus.exit_after_losing_quarters", 1, 8,
                                                 integer=True),),
                           budget=4, replications=2)
        assert all(float(e.values["csus.exit_after_losing_quarters"]).is_integer()
                   for e in report.evaluations)
