"""The mutable state of one market run, and how it starts (April 2013 by default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from services.market.simulation.market.world import (
    FIRST_SUPPLIER,
    IN_HOUSE,
    BoolArray,
    FloatArray,
    IntArray,
    World,
)


@dataclass(frozen=True)
class MarketEvent:
    """Something that happened to a supplier: entry, exit, merger or framework decision."""

    quarter: int
    date: str  # YYYY-MM of the quarter
    kind: str  # "entry" | "exit" | "merger" | "not_accredited" | "national_start"
    supplier: str
    cause: str
    counterpart: str | None = None  # the absorbing supplier of a merger


@dataclass
class MarketState:
    """Contracts by pair and suppliers' books; changed in place quarter by quarter."""

    option: IntArray  # by pair: the code of the current arrangement
    price: FloatArray  # by pair: agreed £ a head a year
    expiry: IntArray  # by pair: quarter at which the arrangement is re-tendered or reviewed
    active: BoolArray  # by supplier
    fixed: FloatArray  # £ a year
    unit: FloatArray  # variable cost relative to the base cost
    quality: FloatArray  # supplier x service line
    other_income: FloatArray  # £ a year (CSUs' non-CCG work, at cost)
    losing_streak: IntArray
    accredited: BoolArray  # may win end-to-end work after the framework gate
    volume: FloatArray  # base-cost volume served at the last count (£ a year)
    events: list[MarketEvent] = field(default_factory=list)


def supplier_volume(world: World, option: IntArray, weights: FloatArray) -> FloatArray:
    """Sum of `weights` by option code (length n_suppliers + 3)."""
    totals = np.bincount(option, weights=weights, minlength=world.n_suppliers + FIRST_SUPPLIER)
    return cast(FloatArray, totals)  # float with weights; numpy's stubs say int


def price_index(world: World, state: MarketState) -> FloatArray:
    """Each supplier's price relative to the base cost: cost-plus on last quarter's volume."""
    overhead = state.fixed / np.maximum(state.volume, world.pricing_floor)
    return (state.unit + overhead) * (1.0 + world.surplus) * (1.0 + world.vat)


def _qualities(world: World, rng: np.random.Generator) -> FloatArray:
    scenario = world.scenario
    own = np.concatenate([
        rng.uniform(*scenario.csus.quality, size=int(world.is_csu.sum())),
        rng.uniform(*scenario.private.quality, size=int((~world.is_csu).sum())),
    ])
    spread = np.where(world.is_csu, scenario.csus.quality_spread,
                      scenario.private.quality_spread)
    noise = rng.normal(size=(world.n_suppliers, world.n_lines)) * spread[:, None]
    return np.clip(own[:, None] + noise, 0.0, 1.0)


def initial_state(world: World, rng: np.random.Generator) -> MarketState:
    """CCGs start with the CSU of their area, a few service lines in-house; privates absent."""
    scenario, pairs = world.scenario, world.pairs
    n_pairs = pairs.population.size
    in_house = rng.random(n_pairs) < scenario.ccgs.initial_in_house_share
    option = np.where(in_house, IN_HOUSE, FIRST_SUPPLIER + pairs.initial_csu).astype(np.int64)
    n_csus = int(world.is_csu.sum())
    state = MarketState(
        option=option,
        price=np.zeros(n_pairs),
        expiry=rng.integers(scenario.contracts.initial_min_quarters,
                            scenario.contracts.initial_max_quarters + 1, size=n_pairs),
        active=world.is_csu.copy(),
        fixed=np.where(world.is_csu, scenario.csus.fixed_cost_m,
                       scenario.private.fixed_cost_m) * 1e6,
        unit=np.where(world.is_csu, scenario.csus.unit_cost, scenario.private.unit_cost),
        quality=_qualities(world, rng),
        other_income=np.where(world.is_csu, scenario.csus.other_income_m * 1e6 / n_csus, 0.0),
        losing_streak=np.zeros(world.n_suppliers, dtype=np.int64),
        accredited=np.ones(world.n_suppliers, dtype=bool),
        volume=np.zeros(world.n_suppliers),
    )
    state.volume = supplier_volume(world, option, pairs.volume)[FIRST_SUPPLIER:]
    supplier_price = price_index(world, state)[np.maximum(option - FIRST_SUPPLIER, 0)] * pairs.base
    state.price = np.where(in_house, pairs.in_house_relative * pairs.base, supplier_price)
    return state
