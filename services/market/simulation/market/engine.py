"""One run of the market model: the quarterly loop."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from services.market.simulation.market.accounts import Books, close_books, consolidate, count
from services.market.simulation.market.ledger import OUTPUTS, Ledger
from services.market.simulation.market.state import MarketEvent, MarketState, initial_state
from services.market.simulation.market.state import price_index as supplier_price_index
from services.market.simulation.market.tender import apply_calendar, tender
from services.market.simulation.market.world import FloatArray, World, build_world
from services.market.simulation.scenario import Scenario

SeedLike = int | np.random.SeedSequence


@dataclass(frozen=True)
class MarketResult:
    """Quarterly outputs of one run and its supplier events."""

    scenario: str
    seed: int | None
    labels: tuple[str, ...]
    outputs: dict[str, FloatArray]
    events: tuple[MarketEvent, ...]


def play_quarter(world: World, state: MarketState, quarter: int,
                 rng: np.random.Generator) -> Books:
    """One quarter: dated events, tenders, books, exits, then alliances and mergers."""
    apply_calendar(world, state, quarter)
    tender(world, state, quarter, supplier_price_index(world, state), rng)
    books = close_books(world, state, quarter)
    merged = consolidate(world, state, quarter)
    if merged:
        population, volume, revenue = count(world, state)
        books = replace(books, population=population, volume=volume, revenue=revenue,
                        mergers=merged)
    return books


def simulate(world: World, rng: np.random.Generator) -> tuple[FloatArray, list[MarketEvent]]:
    """Play every quarter; returns the outputs table (OUTPUTS x quarters) and the events."""
    state = initial_state(world, rng)
    ledger = Ledger(world)
    for quarter in range(world.quarters):
        ledger.write(quarter, state, play_quarter(world, state, quarter, rng))
    return ledger.table(world), state.events


def generator(seed: SeedLike) -> np.random.Generator:
    """The PCG64 generator of a run (an int seed or a spawned SeedSequence)."""
    return np.random.Generator(np.random.PCG64(seed))


def run_market(scenario: Scenario | World, seed: SeedLike = 0) -> MarketResult:
    """Run the market model once; the same scenario and seed give identical results."""
    world = scenario if isinstance(scenario, World) else build_world(scenario)
    table, events = simulate(world, generator(seed))
    return MarketResult(
        scenario=world.scenario.name,
        seed=seed if isinstance(seed, int) else None,
        labels=world.labels,
        outputs={name: table[i] for i, name in enumerate(OUTPUTS)},
        events=tuple(events),
    )
