"""Quarterly records of a run and the outputs derived from them.

The loop only copies a few vectors per quarter; every output is then computed once for all
quarters with array arithmetic (far fewer numpy calls than computing them quarter by quarter).
"""

from __future__ import annotations

import numpy as np

from services.market.simulation.market.accounts import Books
from services.market.simulation.market.state import MarketState
from services.market.simulation.market.world import FIRST_SUPPLIER, FloatArray, World

OUTPUTS: tuple[str, ...] = (
    "active_suppliers",  # CSUs and private providers trading
    "active_csus",
    "active_private",
    "hhi_population",  # 0-10,000 over suppliers, by people x service lines served
    "hhi_revenue",  # 0-10,000 over suppliers, by revenue from CCGs
    "in_house_share",  # share of people x service lines made in-house
    "ally_share",  # ... shared with other CCGs
    "national_share",  # ... bought from national at-scale units
    "private_share",  # ... bought from private providers
    "price_per_head",  # £ a head a year for every service line at the average supplier price
    "csu_income_per_head",  # CSU revenue from CCGs, £ a head a year
    "csu_turnover_m",  # CSU revenue from CCGs plus other income, £m a year
    "csu_staff",  # whole-time equivalents
    "csu_surplus_m",  # £m in the quarter
    "support_spend_per_head",  # CCG spend on support (made, shared, bought), £ a head a year
    "allowance_per_head",  # running-cost allowance, £ a head a year
    "support_share_of_allowance",
    "exits",  # suppliers leaving in the quarter
    "mergers",  # alliances and mergers in the quarter
)


def _hhi(sizes: FloatArray) -> FloatArray:
    """HHI (0-10,000) of each row; 0 for a row without sales."""
    totals = sizes.sum(axis=1)
    safe = np.where(totals > 0, totals, 1.0)
    return np.where(totals > 0, 10_000.0 * (sizes * sizes).sum(axis=1) / (safe * safe), 0.0)


class Ledger:
    """Per-quarter copies of what the outputs need (quarters x options or suppliers)."""

    def __init__(self, world: World) -> None:
        quarters, options = world.quarters, world.n_suppliers + FIRST_SUPPLIER
        self.population = np.empty((quarters, options))
        self.volume = np.empty((quarters, options))
        self.revenue = np.empty((quarters, options))
        self.active = np.empty((quarters, world.n_suppliers), dtype=bool)
        self.profit = np.empty((quarters, world.n_suppliers))
        self.cost = np.empty((quarters, world.n_suppliers))  # fixed + variable + other, £ a year
        self.other_income = np.empty((quarters, world.n_suppliers))
        self.changes = np.empty((quarters, 2))  # exits, mergers

    def write(self, quarter: int, state: MarketState, books: Books) -> None:
        """Keep what the outputs of this quarter need."""
        self.population[quarter] = books.population
        self.volume[quarter] = books.volume
        self.revenue[quarter] = books.revenue
        self.active[quarter] = state.active
        self.profit[quarter] = books.profit
        served = books.volume[FIRST_SUPPLIER:]
        self.cost[quarter] = state.fixed + state.unit * served + state.other_income
        self.other_income[quarter] = state.other_income
        self.changes[quarter] = books.exits, books.mergers

    def table(self, world: World) -> FloatArray:
        """Every output (rows, in OUTPUTS order) for every quarter (columns)."""
        csu, private = world.is_csu, ~world.is_csu
        trading_csu = self.active & csu
        people = self.population[:, FIRST_SUPPLIER:] * self.active
        revenue = self.revenue[:, FIRST_SUPPLIER:] * self.active
        external_volume = (self.volume[:, FIRST_SUPPLIER:] * self.active).sum(axis=1)
        head_lines = world.total_population * world.n_lines
        csu_revenue = revenue @ csu
        spend = (self.revenue[:, :FIRST_SUPPLIER].sum(axis=1) + revenue.sum(axis=1)) / (
            world.total_population)
        with np.errstate(invalid="ignore", divide="ignore"):
            price = np.where(external_volume > 0,
                             revenue.sum(axis=1) / external_volume * world.base_total, np.nan)
        return np.vstack([
            self.active.sum(axis=1), trading_csu.sum(axis=1), (self.active & private).sum(axis=1),
            _hhi(people), _hhi(revenue),
            self.population[:, 0] / head_lines, self.population[:, 1] / head_lines,
            self.population[:, 2] / head_lines, people @ private / head_lines,
            price,
            csu_revenue / world.total_population,
            (csu_revenue + (self.other_income * trading_csu).sum(axis=1)) / 1e6,
            (self.cost * trading_csu).sum(axis=1) / world.scenario.csus.cost_per_staff,
            self.profit @ csu / 1e6,
            spend, world.allowance, spend / world.allowance,
            self.changes[:, 0], self.changes[:, 1],
        ]).astype(float)
