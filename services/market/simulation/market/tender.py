"""Dated scenario events and the CCGs' make / buy / ally decisions."""

from __future__ import annotations

import math

import numpy as np

from services.market.simulation.market.state import MarketEvent, MarketState
from services.market.simulation.market.world import (
    ALLY,
    FIRST_SUPPLIER,
    IN_HOUSE,
    NATIONAL,
    NEVER,
    FloatArray,
    IntArray,
    World,
    make_cost,
)


def _log(world: World, state: MarketState, quarter: int, kind: str, supplier: int,
         cause: str) -> None:
    state.events.append(MarketEvent(quarter, world.labels[quarter], kind,
                                    world.supplier_names[supplier], cause))


def _accredit(world: World, state: MarketState, quarter: int, suppliers: IntArray) -> None:
    """The framework gate: a quality and viability bar for end-to-end work."""
    gate = world.scenario.framework_gate
    viable = np.maximum(state.volume, world.pricing_floor) / world.base_total >= gate.min_population
    passed = (state.quality.mean(axis=1) >= gate.min_quality) & viable
    for s in suppliers:
        state.accredited[s] = passed[s]
        if not passed[s]:
            _log(world, state, quarter, "not_accredited", int(s),
                 "failed the framework gate for end-to-end work (quality or scale)")


def apply_calendar(world: World, state: MarketState, quarter: int) -> None:
    """Entries, the framework gate, the end of CSU agreements and national services."""
    calendar = world.calendar
    if quarter not in calendar.dated:
        return
    entering = (world.entry_quarter == quarter).nonzero()[0]
    for s in entering:
        state.active[s] = True
        _log(world, state, quarter, "entry", int(s), "private provider enters the market")
    if quarter == calendar.gate:
        _accredit(world, state, quarter, state.active.nonzero()[0])
    elif quarter > calendar.gate and entering.size:
        _accredit(world, state, quarter, entering)
    if quarter == calendar.csu_sla_end:
        with_csu = (state.option >= FIRST_SUPPLIER) & world.is_csu[
            np.maximum(state.option - FIRST_SUPPLIER, 0)]
        state.expiry[with_csu] = np.minimum(state.expiry[with_csu], quarter)
    if quarter == calendar.national:
        _nationalise(world, state, quarter)


def _nationalise(world: World, state: MarketState, quarter: int) -> None:
    """At-scale service lines move to national units for good (their CSU contracts end)."""
    national = world.pairs.national_relative > 0.0
    state.option[national] = NATIONAL
    state.price[national] = world.pairs.national_relative[national] * world.pairs.base[national]
    state.expiry[national] = NEVER
    spec = world.scenario.national
    prices = spec.price_per_head.items()
    lines = ", ".join(f"{name} at £{price:.2f} a head" for name, price in prices)
    state.events.append(MarketEvent(quarter, world.labels[quarter], "national_start",
                                    f"{spec.units} national units",
                                    f"bought at scale nationally: {lines}"))


def _ally_relative(world: World, state: MarketState, due: IntArray,
                   current: IntArray) -> FloatArray:
    """Shared-team cost: the group's current ally population for the line, plus the buyer."""
    pairs = world.pairs
    pooled = np.bincount(pairs.ally_cell, weights=pairs.population * (state.option == ALLY),
                         minlength=world.n_ally_cells)
    served = pooled[pairs.ally_cell[due]] + pairs.population[due] * (current != ALLY)
    ally = world.scenario.ally
    return make_cost(pairs.fixed_share[due], ally.cost_premium,
                     ally.reference_population / served)


def _line_tables(world: World, state: MarketState, quarter: int,
                 index: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per service line (rows): the shift and the logit weights of each supplier (columns)."""
    choice = world.scenario.choice
    utility = (choice.quality_weight * state.quality.T
               - world.price_weight[quarter] * index[None, :])
    utility[:, ~state.active] = -np.inf
    if quarter >= world.calendar.gate:
        utility[world.line_end_to_end[:, None] & ~state.accredited[None, :]] = -np.inf
    shift = utility.max(axis=1)
    shift[~np.isfinite(shift)] = 0.0
    return shift, np.exp(utility - shift[:, None])


def _sample(world: World, tables: tuple[FloatArray, FloatArray], line: IntArray,
            current: IntArray, make_u: tuple[FloatArray, FloatArray],
            uniform: FloatArray) -> IntArray:
    """Draw each pair's option from its logit probabilities (exactly the Gumbel-max choice).

    Supplier utilities depend only on the service line, so one cumulative table per line serves
    every pair; the incumbency bonus b is extra weight e^b - 1 on the current option. One uniform
    per pair picks in-house, ally, the incumbent's extra weight, or a supplier from the table.
    """
    shift, weights = tables
    n_suppliers = weights.shape[1]
    cumulative = weights.cumsum(axis=1)
    totals = cumulative[:, -1]
    offsets = totals.cumsum() - totals
    # Clamping to the line's last positive weight keeps a rounding error at a row's edge from
    # picking an absent supplier.
    last = n_suppliers - 1 - (weights[:, ::-1] > 0.0).argmax(axis=1)
    bonus = world.scenario.choice.incumbency_bonus
    shift_due = shift[line]
    c0 = np.exp(make_u[0] - shift_due + bonus * (current == IN_HOUSE))
    c1 = c0 + np.exp(make_u[1] - shift_due + bonus * (current == ALLY))
    supplier = np.maximum(current - FIRST_SUPPLIER, 0)
    c2 = c1 + weights[line, supplier] * (current >= FIRST_SUPPLIER) * math.expm1(bonus)
    r = uniform * (c2 + totals[line])
    fresh = np.searchsorted((cumulative + offsets[:, None]).ravel(), r - c2 + offsets[line],
                            side="right") - line * n_suppliers
    fresh = FIRST_SUPPLIER + np.minimum(np.maximum(fresh, 0), last[line])
    return np.where(r < c0, IN_HOUSE, np.where(r < c1, ALLY, np.where(r < c2, current, fresh)))


def tender(world: World, state: MarketState, quarter: int, index: FloatArray,
           rng: np.random.Generator) -> None:
    """Pairs whose arrangement ends, or whose supplier has gone, choose again (logit)."""
    option_live = np.concatenate((world.make_options_live, state.active))
    due = ((state.expiry <= quarter) | ~option_live[state.option]).nonzero()[0]
    if due.size == 0:
        return
    pairs, contracts = world.pairs, world.scenario.contracts
    uniform = rng.random((2, due.size))
    current = state.option[due]
    ally = _ally_relative(world, state, due, current)
    weight = world.price_weight[quarter]
    make_u = (world.make_utility[0] - weight * pairs.in_house_relative[due],
              world.make_utility[1] - weight * ally)
    chosen = _sample(world, _line_tables(world, state, quarter, index), pairs.line[due], current,
                     make_u, uniform[0])
    bought = index[np.maximum(chosen - FIRST_SUPPLIER, 0)]
    relative = np.where(chosen == IN_HOUSE, pairs.in_house_relative[due],
                        np.where(chosen == ALLY, ally, bought))
    state.option[due] = chosen
    state.price[due] = relative * pairs.base[due]
    span = contracts.max_quarters - contracts.min_quarters + 1
    state.expiry[due] = quarter + contracts.min_quarters + (uniform[1] * span).astype(np.int64)
