"""`csm-ref`: the reference commissioning-support market model, vectorised with numpy.

The rules are fixed (speed comparisons with the Mesa version in bench/mesa_csm_ref.py depend on
them); docs/market-model.md lists them with every ambiguity and how it was resolved. In short:
steps are numbered 1..steps (a step is a quarter); option 0 is in-house and option 1 + s is
supplier s; a buyer whose supplier has exited is "orphaned" (no supplier, not in-house) until it
re-tenders at the next step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class CsmRefParams:
    """The constants of the reference rules (defaults are the specification)."""

    n_csus: int = 23
    csu_quality: tuple[float, float] = (0.4, 0.8)
    csu_fixed: float = 2_000_000.0  # £ a year
    csu_unit: float = 9.0  # £ per head a year
    n_private: int = 3
    private_quality: tuple[float, float] = (0.5, 0.9)
    private_fixed: float = 3_000_000.0
    private_unit: float = 9.5 * 1.07  # VAT penalty
    private_entry_step: int = 8
    population_median: float = 230_000.0
    population_sigma: float = 0.5
    pricing_floor: float = 50_000.0
    markup: float = 1.05
    retender_probability: float = 1.0 / 12.0
    price_weight: float = 1.0
    quality_weight: float = 10.0
    incumbency_bonus: float = 1.5
    in_house_price: float = 12.0
    in_house_quality: float = 0.6
    in_house_bonus: float = 0.5
    exit_after: int = 4

    @property
    def n_suppliers(self) -> int:
        return self.n_csus + self.n_private


@dataclass
class CsmRefState:
    """Mutable state of one run; arrays are indexed by buyer or by supplier."""

    populations: FloatArray
    option: IntArray  # per buyer: 0 in-house, 1 + s supplier s
    quality: FloatArray
    fixed: FloatArray
    unit: FloatArray
    entry_step: IntArray  # per supplier: the step at which it becomes active
    active: BoolArray
    losing_streak: IntArray
    step: int = 0  # the last completed step

    @property
    def n_suppliers(self) -> int:
        return int(self.quality.size)


@dataclass(frozen=True)
class StepRecord:
    """What step (d) records."""

    active_suppliers: int
    hhi: float
    in_house_share: float


@dataclass(frozen=True)
class CsmRefResult:
    """Per-step outputs of one run (index k is step k + 1)."""

    seed: int
    n_buyers: int
    active_suppliers: IntArray
    hhi: FloatArray
    in_house_share: FloatArray
    final_state: CsmRefState | None = field(default=None, repr=False)


def initial_state(
    n_buyers: int, rng: np.random.Generator, params: CsmRefParams = CsmRefParams()
) -> CsmRefState:
    """Draw qualities and populations; buyer i starts with CSU i mod n_csus."""
    quality = np.concatenate([
        rng.uniform(*params.csu_quality, size=params.n_csus),
        rng.uniform(*params.private_quality, size=params.n_private),
    ])
    populations = rng.lognormal(math.log(params.population_median), params.population_sigma,
                                size=n_buyers)
    csu = np.arange(params.n_suppliers) < params.n_csus
    return CsmRefState(
        populations=populations,
        option=np.arange(n_buyers, dtype=np.int64) % params.n_csus + 1,
        quality=quality,
        fixed=np.where(csu, params.csu_fixed, params.private_fixed),
        unit=np.where(csu, params.csu_unit, params.private_unit),
        entry_step=np.where(csu, 1, params.private_entry_step).astype(np.int64),
        active=csu.copy(),
        losing_streak=np.zeros(params.n_suppliers, dtype=np.int64),
    )


def population_served(state: CsmRefState) -> FloatArray:
    """Population contracted to each supplier (orphans still count for their exited supplier)."""
    by_option = np.bincount(state.option, weights=state.populations,
                            minlength=state.n_suppliers + 1)
    return cast(FloatArray, by_option[1:])  # float with weights; numpy's stubs say int


def supplier_prices(state: CsmRefState, params: CsmRefParams) -> FloatArray:
    """Rule (a): (fixed / max(population served, floor) + unit) x markup, per supplier."""
    served = population_served(state)
    return (state.fixed / np.maximum(served, params.pricing_floor) + state.unit) * params.markup


def hhi(populations_by_supplier: FloatArray) -> float:
    """Herfindahl-Hirschman index (0-10,000) of the given market sizes; 0 for an empty market."""
    total = float(populations_by_supplier.sum())
    if total <= 0.0:
        return 0.0
    shares = populations_by_supplier * (100.0 / total)
    return float(shares @ shares)


def _retender(state: CsmRefState, prices: FloatArray, params: CsmRefParams,
              rng: np.random.Generator) -> None:
    """Rule (b): chosen buyers pick the option of highest utility plus Gumbel noise.

    The argmax of utilities plus i.i.d. standard Gumbel noise is distributed exactly as the
    multinomial logit, so the choice is drawn from the logit probabilities with two uniforms per
    buyer (O(log n) instead of one Gumbel draw per option). The incumbency bonus is a mixture:
    with probability w_c(e^b - 1) / (W + w_c(e^b - 1)) keep the incumbent, otherwise draw from the
    bonus-free probabilities w / W (which may also give the incumbent).
    """
    option_active = np.concatenate([[True], state.active])
    orphaned = ~option_active[state.option]
    tendering = np.flatnonzero((rng.random(state.option.size) < params.retender_probability)
                               | orphaned)
    n = tendering.size
    if n == 0:
        return
    utility = np.concatenate([
        [-params.price_weight * params.in_house_price
         + params.quality_weight * params.in_house_quality + params.in_house_bonus],
        np.where(state.active,
                 -params.price_weight * prices + params.quality_weight * state.quality, -np.inf),
    ])
    weights = np.exp(utility - utility.max())  # an exited or absent supplier weighs 0
    cumulative = np.cumsum(weights)
    current = state.option[tendering]
    extra = weights[current] * math.expm1(params.incumbency_bonus)
    draws = rng.random((2, n))
    stay = draws[0] * (cumulative[-1] + extra) < extra
    fresh = np.minimum(np.searchsorted(cumulative, draws[1] * cumulative[-1], side="right"),
                       state.n_suppliers)
    state.option[tendering] = np.where(stay, current, fresh)


def _account(state: CsmRefState, prices: FloatArray, params: CsmRefParams) -> None:
    """Rule (c): quarterly profit; exit after `exit_after` consecutive losing quarters."""
    served = population_served(state)
    profit = (prices - state.unit) * served / 4.0 - state.fixed / 4.0
    losing = state.active & (profit < 0.0)
    state.losing_streak = np.where(losing, state.losing_streak + 1, 0)
    state.active &= state.losing_streak < params.exit_after


def _record(state: CsmRefState) -> StepRecord:
    """Rule (d): active suppliers, HHI over active external suppliers, in-house share."""
    by_option = np.bincount(state.option, weights=state.populations,
                            minlength=state.n_suppliers + 1)
    external = np.where(state.active, by_option[1:], 0.0)
    return StepRecord(
        active_suppliers=int(state.active.sum()),
        hhi=hhi(external),
        in_house_share=float(by_option[0] / state.populations.sum()),
    )


def advance(state: CsmRefState, params: CsmRefParams, rng: np.random.Generator) -> StepRecord:
    """Play one step (entry, a, b, c, d) and return what it records."""
    state.step += 1
    state.active |= state.entry_step == state.step
    prices = supplier_prices(state, params)
    _retender(state, prices, params, rng)
    _account(state, prices, params)
    return _record(state)


def run_csm_ref(
    n_buyers: int = 211, steps: int = 40, seed: int = 0, params: CsmRefParams = CsmRefParams()
) -> CsmRefResult:
    """Run the reference model; the same seed always gives identical outputs."""
    rng = np.random.Generator(np.random.PCG64(seed))
    state = initial_state(n_buyers, rng, params)
    active = np.empty(steps, dtype=np.int64)
    concentration = np.empty(steps)
    in_house = np.empty(steps)
    for k in range(steps):
        record = advance(state, params, rng)
        active[k] = record.active_suppliers
        concentration[k] = record.hhi
        in_house[k] = record.in_house_share
    return CsmRefResult(seed=seed, n_buyers=n_buyers, active_suppliers=active, hhi=concentration,
                        in_house_share=in_house, final_state=state)
