"""The reference model `csm-ref`: determinism and its rules on crafted small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from services.market.simulation.csm_ref import (
    CsmRefParams,
    CsmRefState,
    advance,
    hhi,
    initial_state,
    run_csm_ref,
    supplier_prices,
)

NO_RANDOM_RETENDER = CsmRefParams(retender_probability=0.0)


def crafted(populations: list[float], options: list[int], n_suppliers: int = 2,
            quality: float = 0.6) -> CsmRefState:
    """Buyers with given options (0 in-house, 1 + s supplier s); CSU costs for every supplier."""
    return CsmRefState(
        populations=np.array(populations, dtype=float),
        option=np.array(options, dtype=np.int64),
        quality=np.full(n_suppliers, quality),
        fixed=np.full(n_suppliers, 2_000_000.0),
        unit=np.full(n_suppliers, 9.0),
        entry_step=np.ones(n_suppliers, dtype=np.int64),
        active=np.ones(n_suppliers, dtype=bool),
        losing_streak=np.zeros(n_suppliers, dtype=np.int64),
    )


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


class TestDeterminism:
    def test_same_seed_gives_identical_outputs(self) -> None:
        first, second = run_csm_ref(seed=7), run_csm_ref(seed=7)
        assert np.array_equal(first.active_suppliers, second.active_suppliers)
        assert np.array_equal(first.hhi, second.hhi)
        assert np.array_equal(first.in_house_share, second.in_house_share)

    def test_different_seeds_give_different_outputs(self) -> None:
        first, second = run_csm_ref(seed=1), run_csm_ref(seed=2)
        assert not np.array_equal(first.hhi, second.hhi)

    def test_outputs_have_one_value_per_step(self) -> None:
        result = run_csm_ref(n_buyers=50, steps=12, seed=3)
        assert result.active_suppliers.shape == result.hhi.shape == (12,)
        assert result.in_house_share.shape == (12,)


class TestInitialState:
    def test_buyer_i_starts_with_csu_i_mod_23(self) -> None:
        state = initial_state(60, rng())
        assert list(state.option[:3]) == [1, 2, 3]
        assert state.option[23] == 1 and state.option[47] == 2

    def test_csus_active_and_private_suppliers_waiting(self) -> None:
        state = initial_state(211, rng())
        assert state.active.sum() == 23 and not state.active[23:].any()
        assert set(state.entry_step[23:]) == {8}
        assert state.unit[23] == pytest.approx(9.5 * 1.07)

    def test_populations_are_lognormal_around_the_median(self) -> None:
        state = initial_state(20_000, rng())
        assert np.median(state.populations) == pytest.approx(230_000, rel=0.02)
        assert np.std(np.log(state.populations)) == pytest.approx(0.5, rel=0.03)


class TestPricing:
    def test_price_is_cost_plus_five_percent_on_population_served(self) -> None:
        state = crafted([600_000, 400_000, 10_000], [1, 1, 2])
        prices = supplier_prices(state, CsmRefParams())
        assert prices[0] == pytest.approx((2_000_000 / 1_000_000 + 9.0) * 1.05)  # 11.55

    def test_small_suppliers_price_as_if_serving_50000(self) -> None:
        state = crafted([600_000, 10_000], [1, 2])
        assert supplier_prices(state, CsmRefParams())[1] == pytest.approx((40.0 + 9.0) * 1.05)

    def test_profit_uses_the_price_set_on_the_population_at_the_start_of_the_step(self) -> None:
        # 1,000 buyers of 1,000 people; about 90% leave for in-house during the step. Priced on
        # the start (1m people) the supplier loses; priced on the end (~100k) it would not.
        state = crafted([1_000.0] * 1_000, [1] * 1_000, n_suppliers=1)
        params = CsmRefParams(retender_probability=1.0, in_house_price=8.35)
        start_price = supplier_prices(state, params)[0]
        advance(state, params, rng(4))
        end_price = supplier_prices(state, params)[0]
        served = float(state.populations[state.option == 1].sum())
        assert 50_000 < served < 200_000
        def profit(price: float) -> float:
            return (price - 9.0) * served / 4 - 2_000_000 / 4

        assert profit(start_price) < 0 < profit(end_price)
        assert state.losing_streak[0] == 1


class TestExit:
    def test_supplier_exits_after_exactly_four_losing_quarters(self) -> None:
        state = crafted([300_000, 300_000], [1, 1])  # supplier 1 serves nobody: loses fixed/4
        for step in range(1, 4):
            advance(state, NO_RANDOM_RETENDER, rng())
            assert state.active[1], f"exited too early, at step {step}"
            assert state.losing_streak[1] == step
        advance(state, NO_RANDOM_RETENDER, rng())
        assert not state.active[1]
        assert state.active[0]  # the profitable supplier stays

    def test_a_profitable_quarter_resets_the_run_of_losses(self) -> None:
        state = crafted([300_000, 300_000], [1, 1])
        for _ in range(3):
            advance(state, NO_RANDOM_RETENDER, rng())
        state.option[1] = 2  # supplier 1 wins a buyer and makes a profit
        advance(state, NO_RANDOM_RETENDER, rng())
        assert state.active[1] and state.losing_streak[1] == 0

    def test_buyers_of_an_exited_supplier_must_retender_next_step(self) -> None:
        # 10,000 people priced at the 50,000 floor cannot cover fixed costs: supplier 1 loses.
        state = crafted([10_000, 500_000, 500_000], [2, 1, 1])
        records = [advance(state, NO_RANDOM_RETENDER, rng(s)) for s in range(4)]
        assert not state.active[1]
        assert state.option[0] == 2  # orphaned until the next step
        assert records[-1].hhi == pytest.approx(10_000.0)  # orphan counts for no supplier
        assert records[-1].active_suppliers == 1
        advance(state, NO_RANDOM_RETENDER, rng(9))
        assert state.option[0] in (0, 1)  # forced to choose, though re-tendering is off
        assert list(state.option[1:]) == [1, 1]  # nobody else re-tendered


class TestRecord:
    def test_hhi_of_a_hand_example(self) -> None:
        assert hhi(np.array([50.0, 30.0, 20.0])) == pytest.approx(2500 + 900 + 400)
        assert hhi(np.array([7.0])) == pytest.approx(10_000.0)
        assert hhi(np.zeros(3)) == 0.0

    def test_hhi_counts_external_suppliers_only_and_in_house_share_is_by_population(self) -> None:
        state = crafted([500_000, 300_000, 200_000, 1_000_000], [1, 2, 3, 0], n_suppliers=3)
        record = advance(state, NO_RANDOM_RETENDER, rng())
        assert record.hhi == pytest.approx(3_800.0)
        assert record.in_house_share == pytest.approx(0.5)
        assert record.active_suppliers == 3


class TestPrivateEntry:
    def test_private_suppliers_become_active_at_step_8(self) -> None:
        state = initial_state(211, rng(5))
        for _ in range(7):
            advance(state, CsmRefParams(), rng(5))
            assert not state.active[23:].any()
        advance(state, CsmRefParams(), rng(5))
        assert state.active[23:].all()


class TestChoice:
    def test_choices_follow_the_logit_probabilities_with_incumbency(self) -> None:
        n = 40_000
        state = crafted([100_000.0] * n, [1] * n, n_suppliers=2)
        state.quality[:] = [0.6, 0.7]
        params = CsmRefParams(retender_probability=1.0, exit_after=99)
        prices = supplier_prices(state, params)
        utility = np.array([-12 + 6 + 0.5, -prices[0] + 6 + 1.5, -prices[1] + 7])
        expected = np.exp(utility) / np.exp(utility).sum()
        advance(state, params, rng(11))
        observed = np.bincount(state.option, minlength=3) / n
        error = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(observed - expected) < 4.5 * error), (observed, expected)

    def test_incumbency_bonus_applies_to_an_in_house_buyer(self) -> None:
        n = 40_000
        state = crafted([100_000.0] * n, [0] * n, n_suppliers=1)
        params = CsmRefParams(retender_probability=1.0, exit_after=99)
        price = supplier_prices(state, params)[0]
        in_house, supplier = -12 + 6 + 0.5 + 1.5, -price + 6
        expected = math.exp(in_house) / (math.exp(in_house) + math.exp(supplier))
        advance(state, params, rng(12))
        observed = float(np.mean(state.option == 0))
        assert observed == pytest.approx(expected, abs=4.5 * math.sqrt(expected / n))
