"""The fuller market model: buyers, calendar, choices, exits, mergers and recorded outputs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from services.market.simulation.market.engine import OUTPUTS, generator, play_quarter, run_market
from services.market.simulation.market.state import MarketState, initial_state
from services.market.simulation.market.world import (
    FIRST_SUPPLIER,
    IN_HOUSE,
    NATIONAL,
    World,
    build_world,
)
from services.market.simulation.scenario import Scenario, load_scenario, parse_scenario


def variant(**changes: Any) -> Scenario:
    return parse_scenario({"extends": "baseline", "name": "test", **changes})


def play(world: World, seed: int = 0) -> tuple[MarketState, np.random.Generator]:
    rng = generator(seed)
    return initial_state(world, rng), rng


@pytest.fixture(scope="module")
def baseline() -> World:
    return build_world(load_scenario("baseline"))


class TestBuyers:
    def test_ccg_populations_match_the_published_smallest_median_and_largest(
            self, baseline: World) -> None:
        populations = baseline.ccg_population
        assert populations.size == 211
        assert populations.min() == pytest.approx(63_100)
        assert np.median(populations) == pytest.approx(221_000)
        assert populations.max() == pytest.approx(869_400)
        assert 48e6 < populations.sum() < 56e6  # about England's population

    def test_layout_is_deterministic(self, baseline: World) -> None:
        again = build_world(load_scenario("baseline"))
        assert np.array_equal(again.ccg_population, baseline.ccg_population)

    def test_running_cost_allowance_follows_the_financial_year(self, baseline: World) -> None:
        allowance = dict(zip(baseline.labels, baseline.allowance, strict=True))
        assert allowance["2013-04"] == allowance["2014-01"] == 25.0
        assert allowance["2014-04"] == 24.78
        assert allowance["2015-04"] == allowance["2017-10"] == 22.07

    def test_every_ccg_starts_with_one_csu_for_its_bought_service_lines(
            self, baseline: World) -> None:
        state, _ = play(baseline)
        bought = state.option >= FIRST_SUPPLIER
        csu_by_ccg: dict[int, int] = {}
        for ccg, option in zip(baseline.pairs.ccg[bought], state.option[bought], strict=True):
            assert csu_by_ccg.setdefault(ccg, option) == option
        assert 0.05 < np.mean(state.option == IN_HOUSE) < 0.15


class TestRuns:
    def test_same_seed_same_result_and_different_seed_different(self, baseline: World) -> None:
        first, second, other = run_market(baseline, 5), run_market(baseline, 5), run_market(
            baseline, 6)
        for name in OUTPUTS:
            assert np.array_equal(first.outputs[name], second.outputs[name], equal_nan=True)
        assert first.events == second.events
        assert not np.array_equal(first.outputs["hhi_population"], other.outputs["hhi_population"])

    def test_outputs_cover_every_quarter(self, baseline: World) -> None:
        result = run_market(baseline, 1)
        assert result.labels[0] == "2013-04" and result.labels[-1] == "2018-01"
        assert set(result.outputs) == set(OUTPUTS)
        assert all(values.shape == (20,) for values in result.outputs.values())

    def test_shares_add_up_to_at_most_one(self, baseline: World) -> None:
        out = run_market(baseline, 2).outputs
        supplier_share = 1.0 - out["in_house_share"] - out["ally_share"] - out["national_share"]
        assert np.all(supplier_share >= out["private_share"] - 1e-12)
        assert np.all((out["hhi_population"] >= 0) & (out["hhi_population"] <= 10_000))

    def test_spend_starts_near_the_published_nine_to_eleven_pounds_a_head(
            self, baseline: World) -> None:
        out = run_market(baseline, 3).outputs
        assert 8.0 < out["support_spend_per_head"][0] < 12.0
        assert out["support_share_of_allowance"][0] == pytest.approx(
            out["support_spend_per_head"][0] / 25.0)


class TestCalendar:
    def test_private_providers_enter_in_the_quarter_of_the_entry_date(
            self, baseline: World) -> None:
        result = run_market(baseline, 4)
        entries = [e for e in result.events if e.kind == "entry"]
        assert {e.date for e in entries} == {"2015-01"} and len(entries) == 3
        entry = result.labels.index("2015-01")
        assert np.all(result.outputs["active_private"][:entry] == 0)
        assert result.outputs["active_private"][entry] == 3

    def test_no_private_entry_means_no_private_share(self) -> None:
        result = run_market(load_scenario("no-private-entry"), 4)
        assert np.all(result.outputs["private_share"] == 0)
        assert not [e for e in result.events if e.kind == "entry"]

    def test_national_business_intelligence_takes_one_service_line_from_its_start(self) -> None:
        result = run_market(load_scenario("national-bi-at-scale"), 4)
        start = result.labels.index("2014-04")
        share = result.outputs["national_share"]
        assert np.all(share[:start] == 0)
        assert share[start:] == pytest.approx(1 / 12)  # one line of 12, every CCG

    def test_all_four_at_scale_functions_take_their_seven_lines(self) -> None:
        result = run_market(load_scenario("national-all-at-scale"), 4)
        start = result.labels.index("2014-04")
        share = result.outputs["national_share"]
        assert np.all(share[:start] == 0)
        assert share[start:] == pytest.approx(7 / 12)  # BI, procurement, IT, estates, HR,
        # finance and communications, for every CCG
        baseline = run_market(load_scenario("baseline"), 4)
        income = "csu_income_per_head"
        assert result.outputs[income][-1] < baseline.outputs[income][-1]

    def test_national_pairs_are_never_tendered_again(self) -> None:
        world = build_world(load_scenario("national-bi-at-scale"))
        state, rng = play(world)
        for quarter in range(world.quarters):
            play_quarter(world, state, quarter, rng)
        bi = world.pairs.national_relative > 0
        assert np.all(state.option[bi] == NATIONAL)
        assert state.price[bi] == pytest.approx(0.75)

    def test_hosted_csus_do_not_exit_before_independence(self, baseline: World) -> None:
        independence = baseline.labels.index("2016-04")
        for seed in range(10):
            for event in run_market(baseline, seed).events:
                if event.kind == "exit" and event.supplier.startswith("CSU"):
                    assert event.quarter >= independence

    def test_csu_agreements_end_by_the_lpf_deadline(self) -> None:
        world = build_world(variant(framework_gate={"csu_sla_end": "2016-04-01"}))
        state, rng = play(world)
        deadline = world.labels.index("2016-04")
        for quarter in range(deadline):
            play_quarter(world, state, quarter, rng)
        with_csu = (state.option >= FIRST_SUPPLIER) & world.is_csu[
            np.maximum(state.option - FIRST_SUPPLIER, 0)]
        due_later = with_csu & (state.expiry > deadline)
        assert due_later.any()
        play_quarter(world, state, deadline, rng)
        assert np.all(state.expiry[due_later] > deadline)  # all were tendered at the deadline


class TestSupplierDynamics:
    def test_suppliers_exit_and_their_customers_retender_next_quarter(self) -> None:
        scenario = variant(csus={"hosted_until": "2013-04-01", "exit_after_losing_quarters": 1,
                                 "surplus_target": 0.0, "consolidation_from": "2030-01-01"},
                           private={"enabled": False})
        world = build_world(scenario)
        state, rng = play(world, 1)
        exited: list[int] = []
        left_customers = False
        for quarter in range(world.quarters):
            before = state.active.copy()
            play_quarter(world, state, quarter, rng)
            # customers of a supplier that exited in an earlier quarter have all re-tendered
            assert not np.isin(state.option, FIRST_SUPPLIER + np.array(exited, dtype=int)).any()
            newly = np.flatnonzero(before & ~state.active)
            left_customers |= bool(np.isin(state.option, FIRST_SUPPLIER + newly).any())
            exited += newly.tolist()
        assert exited, "the crafted scenario should make suppliers exit"
        assert left_customers, "at least one exit should leave customers to re-tender"

    def test_csus_below_minimum_efficient_scale_pair_off_at_the_consolidation_date(self) -> None:
        scenario = variant(csus={"min_efficient_scale": 20_000_000,
                                 "consolidation_from": "2014-07-01"})
        result = run_market(scenario, 2)
        start = result.labels.index("2014-07")
        assert np.all(result.outputs["mergers"][:start] == 0)
        assert result.outputs["mergers"][start] == 9  # 19 CSUs: nine pairs, one left over
        assert result.outputs["active_csus"][start] == 10
        merger = next(e for e in result.events if e.kind == "merger")
        assert "minimum efficient scale" in merger.cause and merger.counterpart
        assert "host-brokered alliance" in merger.cause

    def test_a_merger_moves_customers_without_retendering(self) -> None:
        world = build_world(variant(csus={"min_efficient_scale": 20_000_000,
                                          "consolidation_from": "2013-04-01"}))
        state, rng = play(world)
        in_house_before = np.mean(state.option == IN_HOUSE)
        books = play_quarter(world, state, 0, rng)
        assert books.mergers == 9
        assert not np.isin(state.option, FIRST_SUPPLIER + np.flatnonzero(~state.active)).any()
        assert abs(np.mean(state.option == IN_HOUSE) - in_house_before) < 0.02

    def test_suppliers_failing_the_framework_gate_win_no_new_end_to_end_work(self) -> None:
        world = build_world(variant(framework_gate={"min_quality": 1.0}))
        state, rng = play(world)
        gate = world.labels.index("2015-01")
        for quarter in range(world.quarters):
            due = state.expiry <= quarter
            play_quarter(world, state, quarter, rng)
            if quarter >= gate:
                won = due & world.pairs.end_to_end & (state.option >= FIRST_SUPPLIER)
                assert not won.any()
        assert not state.accredited[state.active].any()
