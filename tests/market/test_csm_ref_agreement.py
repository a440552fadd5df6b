"""csm-ref (numpy) and its Mesa 3 implementation (bench/mesa_csm_ref.py) agree statistically.

At step 40, over 200 seeds each (211 buyers), every output passes a two-sample
Kolmogorov-Smirnov test and a two-sample z-test on means at alpha = 0.001. The same tests must
reject when a rule is changed in one engine, so the comparison is able to fail. (About 5 s.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bench.mesa_csm_ref import run_mesa_csm_ref
from services.market.simulation.csm_ref import CsmRefParams, CsmRefResult, run_csm_ref

SEEDS = 200
STEPS = 40
OUTPUTS = ("active_suppliers", "hhi", "in_house_share")
ALPHA = 0.001
Z_CRITICAL = 3.2905  # two-sided normal quantile for alpha = 0.001

Samples = dict[str, np.ndarray]


def ks_statistic(x: np.ndarray, y: np.ndarray) -> float:
    """Largest gap between the two empirical CDFs, checked at every pooled value (ties too)."""
    grid = np.concatenate([x, y])
    cdf_x = np.searchsorted(np.sort(x), grid, side="right") / x.size
    cdf_y = np.searchsorted(np.sort(y), grid, side="right") / y.size
    return float(np.abs(cdf_x - cdf_y).max())


def ks_critical(n: int, m: int, alpha: float = ALPHA) -> float:
    """Asymptotic critical value c(alpha) * sqrt((n + m) / (n m)), c = sqrt(-ln(alpha/2) / 2).

    Conservative for discrete outputs such as the supplier count.
    """
    return math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n + m) / (n * m))


def mean_z(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sample z statistic of the difference of means (unequal variances)."""
    error = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    difference = float(x.mean() - y.mean())
    return 0.0 if error == 0 and difference == 0 else difference / error


def at_last_step(results: list[CsmRefResult]) -> Samples:
    return {name: np.array([getattr(r, name)[-1] for r in results], dtype=float)
            for name in OUTPUTS}


def rejections(a: Samples, b: Samples) -> list[str]:
    """Outputs on which either test rejects equality, with the statistics."""
    found = []
    for name in OUTPUTS:
        d, z = ks_statistic(a[name], b[name]), mean_z(a[name], b[name])
        if d > ks_critical(a[name].size, b[name].size) or abs(z) > Z_CRITICAL:
            found.append(f"{name}: D={d:.3f}, z={z:+.2f}")
    return found


@pytest.fixture(scope="module")
def mesa_samples() -> Samples:
    return at_last_step([run_mesa_csm_ref(steps=STEPS, seed=10_000 + s) for s in range(SEEDS)])


def ours(params: CsmRefParams = CsmRefParams()) -> Samples:
    return at_last_step([run_csm_ref(steps=STEPS, seed=s, params=params) for s in range(SEEDS)])


@pytest.fixture(scope="module")
def our_samples() -> Samples:
    return ours()


class TestStatistics:
    def test_ks_statistic_of_a_hand_example(self) -> None:
        assert ks_statistic(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == 0.0
        assert ks_statistic(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 1.0
        assert ks_statistic(np.array([1.0, 2.0, 3.0, 4.0]),
                            np.array([3.0, 4.0, 5.0, 6.0])) == pytest.approx(0.5)

    def test_ks_critical_value_for_200_against_200(self) -> None:
        assert ks_critical(200, 200) == pytest.approx(0.1950, abs=1e-3)


class TestAgreement:
    def test_numpy_and_mesa_engines_agree_at_step_40(self, our_samples: Samples,
                                                     mesa_samples: Samples) -> None:
        assert rejections(our_samples, mesa_samples) == []

    def test_both_engines_show_consolidation(self, our_samples: Samples,
                                             mesa_samples: Samples) -> None:
        for samples in (our_samples, mesa_samples):
            assert 8 < samples["active_suppliers"].mean() < 23  # suppliers exit over 10 years
            assert samples["hhi"].mean() > 10_000 / 23

    @pytest.mark.parametrize("changed", [
        CsmRefParams(retender_probability=1 / 8),
        CsmRefParams(in_house_bonus=1.0),
    ], ids=["retender-1-in-8", "in-house-bonus-1.0"])
    def test_a_changed_rule_is_detected(self, mesa_samples: Samples,
                                        changed: CsmRefParams) -> None:
        assert rejections(ours(changed), mesa_samples) != []
