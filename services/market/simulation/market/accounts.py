"""Suppliers' books each quarter: volume, revenue, surplus, exits, alliances and mergers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.market.simulation.market.state import MarketEvent, MarketState, supplier_volume
from services.market.simulation.market.world import FIRST_SUPPLIER, FloatArray, World


@dataclass(frozen=True)
class Books:
    """Totals by option code (length n_suppliers + 3) and supplier results for a quarter."""

    population: FloatArray  # people x service lines served
    volume: FloatArray  # £ a year at base cost
    revenue: FloatArray  # £ a year at agreed prices
    profit: FloatArray  # by supplier, £ in the quarter
    exits: int = 0
    mergers: int = 0


def count(world: World, state: MarketState) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Population, base volume and revenue by option code."""
    pairs = world.pairs
    return (
        supplier_volume(world, state.option, pairs.population),
        supplier_volume(world, state.option, pairs.volume),
        supplier_volume(world, state.option, pairs.population * state.price),
    )


def close_books(world: World, state: MarketState, quarter: int) -> Books:
    """Quarterly surplus; a supplier exits after its run of losing quarters (CSUs not hosted)."""
    population, volume, revenue = count(world, state)
    served = volume[FIRST_SUPPLIER:]
    profit = (revenue[FIRST_SUPPLIER:] - state.fixed - state.unit * served) * (0.25 * state.active)
    state.volume = served
    state.losing_streak = (state.losing_streak + 1) * (state.active & (profit < 0.0))
    hosted = quarter < world.calendar.hosted_until
    may_exit = state.active & ~world.is_csu if hosted else state.active
    leaving = (may_exit & (state.losing_streak >= world.patience)).nonzero()[0]
    for s in leaving:
        state.active[s] = False
        state.events.append(MarketEvent(
            quarter, world.labels[quarter], "exit", world.supplier_names[s],
            f"{int(state.losing_streak[s])} consecutive losing quarters"))
    return Books(population, volume, revenue, profit, exits=int(leaving.size))


def _merge(world: World, state: MarketState, quarter: int, absorbed: int, into: int) -> None:
    """The smaller unit joins the larger: customers, staff and costs (less the synergy)."""
    csus = world.scenario.csus
    people = state.volume[[absorbed, into]] / world.base_total / 1e6
    weights = np.array([state.volume[into], state.volume[absorbed]]) + 1e-9
    share = weights[1] / weights.sum()
    state.fixed[into] = (state.fixed[into] + state.fixed[absorbed]) * (1.0 - csus.merger_synergy)
    state.unit[into] += share * (state.unit[absorbed] - state.unit[into])
    state.quality[into] += share * (state.quality[absorbed] - state.quality[into])
    state.other_income[into] += state.other_income[absorbed]
    state.accredited[into] |= state.accredited[absorbed]
    state.volume[into] += state.volume[absorbed]
    state.losing_streak[into] = 0
    state.active[absorbed] = False
    state.option[state.option == FIRST_SUPPLIER + absorbed] = FIRST_SUPPLIER + into
    kind = "host-brokered alliance" if quarter < world.calendar.hosted_until else "merger"
    state.events.append(MarketEvent(
        quarter, world.labels[quarter], "merger", world.supplier_names[absorbed],
        f"{kind}: {people[0]:.1f}m and {people[1]:.1f}m people served, both below the minimum "
        f"efficient scale of {csus.min_efficient_scale / 1e6:.1f}m",
        counterpart=world.supplier_names[into]))


def consolidate(world: World, state: MarketState, quarter: int) -> int:
    """From the consolidation date, CSUs below minimum efficient scale pair off, smallest first."""
    if quarter < world.calendar.consolidation_from:
        return 0
    small = (state.active & world.is_csu & (state.volume < world.min_efficient_volume)).nonzero()[0]
    if small.size < 2:
        return 0
    small = small[np.argsort(state.volume[small], kind="stable")]
    for absorbed, into in zip(small[0:-1:2], small[1::2], strict=True):
        _merge(world, state, quarter, int(absorbed), int(into))
    return int(small.size // 2)
