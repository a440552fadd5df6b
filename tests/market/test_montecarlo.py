"""Monte Carlo studies: seeds, summaries, comparison, progress, cancellation and memory."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from services.market.simulation.market.engine import OUTPUTS, run_market
from services.market.simulation.market.world import World, build_world
from services.market.simulation.montecarlo import (
    MonteCarloSummary,
    SimulationCancelled,
    compare,
    replication_seed,
    run_monte_carlo,
)
from services.market.simulation.scenario import load_scenario

HEADLINE = ("active_suppliers", "hhi_population", "hhi_revenue", "in_house_share",
            "price_per_head", "csu_income_per_head", "support_spend_per_head")


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(load_scenario("baseline"))


@pytest.fixture(scope="module")
def summary(world: World) -> MonteCarloSummary:
    return run_monte_carlo(world, 120, master_seed=3, workers=1)


class TestSummary:
    def test_intervals_are_ordered_for_every_output_and_quarter(
            self, summary: MonteCarloSummary) -> None:
        for name in OUTPUTS:
            stats = summary.outputs[name]
            assert np.all(stats.p5 <= stats.p95), name
            assert np.all(stats.sd >= 0), name

    def test_headline_means_lie_within_their_5_to_95_percent_band(
            self, summary: MonteCarloSummary) -> None:
        # Rare-event counts (exits, mergers in a quarter) can have a mean above p95; the levels
        # shown to users cannot.
        for name in HEADLINE:
            stats = summary.outputs[name]
            assert np.all(stats.p5 <= stats.mean + 1e-9), name
            assert np.all(stats.mean <= stats.p95 + 1e-9), name

    def test_summary_matches_the_individual_runs(self, world: World,
                                                 summary: MonteCarloSummary) -> None:
        runs = [run_market(world, replication_seed(3, i)) for i in range(120)]
        hhi = np.array([r.outputs["hhi_population"] for r in runs])
        assert summary.outputs["hhi_population"].mean == pytest.approx(hhi.mean(axis=0))
        assert summary.outputs["hhi_population"].p95 == pytest.approx(
            np.percentile(hhi, 95, axis=0))

    def test_the_band_widens_as_uncertainty_accumulates(self, summary: MonteCarloSummary) -> None:
        suppliers = summary.outputs["active_suppliers"]
        assert suppliers.p95[0] == suppliers.p5[0] == 19
        assert suppliers.p95[-1] > suppliers.p5[-1]


class TestSeeds:
    def test_same_master_seed_same_summary(self, world: World) -> None:
        a = run_monte_carlo(world, 20, master_seed=9, workers=1)
        b = run_monte_carlo(world, 20, master_seed=9, workers=1)
        assert np.array_equal(a.outputs["hhi_population"].mean, b.outputs["hhi_population"].mean)

    def test_results_do_not_depend_on_the_number_of_processes(self, world: World) -> None:
        single = run_monte_carlo(world, 40, master_seed=4, workers=1)
        double = run_monte_carlo(world, 40, master_seed=4, workers=2)
        for name in ("active_suppliers", "hhi_revenue", "csu_staff"):
            assert np.array_equal(single.outputs[name].mean, double.outputs[name].mean)

    def test_different_master_seeds_differ(self, world: World) -> None:
        a = run_monte_carlo(world, 20, master_seed=1, workers=1)
        b = run_monte_carlo(world, 20, master_seed=2, workers=1)
        assert not np.array_equal(a.outputs["hhi_population"].mean,
                                  b.outputs["hhi_population"].mean)


class TestControl:
    def test_progress_reports_increasing_fractions_up_to_one(self, world: World) -> None:
        fractions: list[float] = []
        run_monte_carlo(world, 30, workers=1, progress=fractions.append)
        assert len(fractions) > 1
        assert fractions == sorted(fractions) and fractions[-1] == 1.0

    def test_cancellation_stops_the_study(self, world: World) -> None:
        fractions: list[float] = []
        with pytest.raises(SimulationCancelled, match="cancelled after"):
            run_monte_carlo(world, 100, workers=1, progress=fractions.append,
                            should_cancel=lambda: len(fractions) >= 1)
        assert fractions and fractions[-1] < 1.0

    def test_cancellation_stops_worker_processes_too(self, world: World) -> None:
        with pytest.raises(SimulationCancelled):
            run_monte_carlo(world, 400, workers=2, should_cancel=lambda: True)

    def test_at_least_one_replication(self, world: World) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            run_monte_carlo(world, 0)


class TestComparison:
    def test_removing_private_entry_removes_the_private_share(self, world: World) -> None:
        base = run_monte_carlo(world, 60, master_seed=5, workers=1)
        variant = run_monte_carlo(load_scenario("no-private-entry"), 60, master_seed=5, workers=1)
        difference = compare(base, variant).outputs["private_share"]
        entry = base.labels.index("2015-04")
        assert np.all(difference.high[entry:entry + 4] < 0)  # significantly lower
        assert np.all(difference.low <= difference.mean) and np.all(
            difference.mean <= difference.high)

    def test_a_scenario_compared_with_itself_differs_by_zero(
            self, summary: MonteCarloSummary) -> None:
        same = compare(summary, summary).outputs["hhi_population"]
        assert np.all(same.mean == 0)
        assert np.all(same.low <= 0) and np.all(same.high >= 0)

    def test_scenarios_over_different_quarters_are_not_compared(
            self, summary: MonteCarloSummary) -> None:
        shorter = run_monte_carlo(load_scenario("baseline").model_copy(update={"quarters": 8}), 5,
                                  workers=1)
        with pytest.raises(ValueError, match="different quarters"):
            compare(summary, shorter)


class TestMemory:
    def test_memory_is_flat_across_consecutive_runs(self, world: World) -> None:
        for seed in range(10):  # warm caches first
            run_market(world, seed)
        gc.collect()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            for seed in range(100):
                run_market(world, seed)
            gc.collect()
            growth = tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()
        assert growth < 64 * 1024, f"grew by {growth} bytes over 100 runs"
