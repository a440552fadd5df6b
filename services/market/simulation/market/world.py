"""The static side of a scenario, as arrays: built once and shared by every replication.

Buyer-side arrays are indexed by *pair* k = ccg x n_lines + line (one CCG's decision for one
service line). Option codes: 0 in-house, 1 ally, 2 national unit, 3 + s supplier s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from services.market.simulation.scenario import Scenario

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

IN_HOUSE, ALLY, NATIONAL, FIRST_SUPPLIER = 0, 1, 2, 3
NEVER = 1_000_000  # a quarter index beyond any run


def quarter_index(start: dt.date, when: dt.date) -> int:
    """Index of the quarter (three months from `start`) containing `when`; 0 if before start."""
    months = (when.year - start.year) * 12 + when.month - start.month
    return max(months // 3, 0)


def quarter_labels(start: dt.date, quarters: int) -> tuple[str, ...]:
    """`YYYY-MM` of the first month of each quarter."""
    labels = []
    for q in range(quarters):
        months = start.month - 1 + 3 * q
        labels.append(f"{start.year + months // 12}-{months % 12 + 1:02d}")
    return tuple(labels)


def ccg_populations(scenario: Scenario) -> FloatArray:
    """CCG populations: the scenario's list, or a deterministic split-lognormal layout.

    Quantiles (i + 0.5) / n of a lognormal whose lower and upper halves have their own sigma, so
    that the smallest, median and largest CCG equal the published figures exactly; the order is
    shuffled with `layout_seed` so that neighbouring CCGs (by index) vary in size.
    """
    spec = scenario.ccgs
    if spec.populations is not None:
        return np.asarray(spec.populations, dtype=float)
    normal = NormalDist()
    z = np.array([normal.inv_cdf((i + 0.5) / spec.count) for i in range(spec.count)])
    sigma_low = np.log(spec.min_population / spec.median_population) / z[0]
    sigma_high = np.log(spec.max_population / spec.median_population) / z[-1]
    populations = spec.median_population * np.exp(z * np.where(z < 0, sigma_low, sigma_high))
    return np.random.Generator(np.random.PCG64(spec.layout_seed)).permutation(populations)


def contiguous_blocks(populations: FloatArray, blocks: int) -> IntArray:
    """Assign consecutive CCGs to `blocks` groups of about equal total population."""
    cumulative = np.cumsum(populations) - populations / 2.0
    return np.minimum((cumulative / populations.sum() * blocks).astype(np.int64), blocks - 1)


def allowance_by_quarter(scenario: Scenario, labels: tuple[str, ...]) -> FloatArray:
    """Running-cost allowance (£/head) for the financial year (April start) of each quarter."""
    table = scenario.ccgs.running_cost_allowance
    years = sorted(table)
    values = []
    for label in labels:
        year, month = int(label[:4]), int(label[5:])
        fiscal = year if month >= 4 else year - 1
        known = [y for y in years if y <= fiscal]
        values.append(table[known[-1]] if known else table[years[0]])
    return np.array(values)


@dataclass(frozen=True)
class Pairs:
    """Per (CCG, service line) constants."""

    population: FloatArray
    base: FloatArray  # £ a head a year at supplier scale
    volume: FloatArray  # population x base: £ a year at base cost
    line: IntArray
    ccg: IntArray
    ally_cell: IntArray  # ally group x n_lines + line
    fixed_share: FloatArray
    in_house_relative: FloatArray  # in-house cost / base cost
    end_to_end: BoolArray
    national_relative: FloatArray  # national price / base cost (0 where not national)
    initial_csu: IntArray


@dataclass(frozen=True)
class Calendar:
    """Quarter indices of the scenario's dated events (NEVER when switched off)."""

    hosted_until: int
    consolidation_from: int
    gate: int
    csu_sla_end: int
    national: int
    dated: frozenset[int]  # quarters in which something above (or an entry) happens


@dataclass(frozen=True)
class World:
    """Everything about a scenario that does not change during a run."""

    scenario: Scenario
    labels: tuple[str, ...]
    ccg_population: FloatArray
    pairs: Pairs
    calendar: Calendar
    price_weight: FloatArray  # by quarter, after the allowance pressure
    allowance: FloatArray  # £/head by quarter
    supplier_names: tuple[str, ...]
    is_csu: BoolArray
    entry_quarter: IntArray
    vat: FloatArray
    surplus: FloatArray
    pricing_floor: FloatArray  # £ base volume a year below which prices do not fall further
    patience: IntArray  # losing quarters before exit
    make_utility: tuple[float, float]  # in-house and ally: quality and local knowledge terms
    make_options_live: BoolArray  # in-house, ally and national are always available
    line_end_to_end: BoolArray  # by service line: Lot 1 work, behind the framework gate
    min_efficient_volume: float  # £ base volume a year (the scale times base_total)
    n_lines: int
    n_ally_cells: int
    total_population: float
    base_total: float  # £ a head a year for every service line

    @property
    def n_suppliers(self) -> int:
        return len(self.supplier_names)

    @property
    def quarters(self) -> int:
        return len(self.labels)


def _pairs(scenario: Scenario, populations: FloatArray) -> Pairs:
    lines = scenario.service_lines
    n_ccgs, n_lines = populations.size, len(lines)
    ccg = np.repeat(np.arange(n_ccgs, dtype=np.int64), n_lines)
    line = np.tile(np.arange(n_lines, dtype=np.int64), n_ccgs)
    base = np.array([spec.base_cost_per_head for spec in lines])[line]
    fixed = np.array([spec.fixed_share for spec in lines])[line]
    group = np.arange(n_ccgs, dtype=np.int64) * scenario.ccgs.ally_groups // n_ccgs
    make = scenario.in_house
    national = scenario.national.price_per_head if scenario.national.enabled else {}
    national_price = np.array([national.get(spec.name, 0.0) for spec in lines])[line]
    return Pairs(
        population=populations[ccg],
        base=base,
        volume=populations[ccg] * base,
        line=line,
        ccg=ccg,
        ally_cell=group[ccg] * n_lines + line,
        fixed_share=fixed,
        in_house_relative=make_cost(fixed, make.cost_premium,
                                    make.reference_population / populations[ccg]),
        end_to_end=np.array([spec.lot == "end_to_end" for spec in lines])[line],
        national_relative=national_price / base,
        initial_csu=contiguous_blocks(populations, scenario.csus.count)[ccg],
    )


def make_cost(fixed_share: FloatArray, premium: float, scale_ratio: FloatArray) -> FloatArray:
    """Cost of a CCG's own or shared team relative to the base cost.

    The variable part carries the premium; the fixed part equals its base share at the
    reference population and scales with reference / population served.
    """
    return (1.0 - fixed_share) * (1.0 + premium) + fixed_share * scale_ratio


def _calendar(scenario: Scenario) -> Calendar:
    start = scenario.start

    def at(when: dt.date | None, enabled: bool = True) -> int:
        return quarter_index(start, when) if when is not None and enabled else NEVER

    gate = scenario.framework_gate
    private = scenario.private
    dates = {
        "gate": at(gate.date, gate.enabled),
        "csu_sla_end": at(gate.csu_sla_end, gate.enabled),
        "national": at(scenario.national.start, scenario.national.enabled),
    }
    entry = at(private.entry, private.enabled and private.count > 0)
    return Calendar(
        hosted_until=at(scenario.csus.hosted_until),
        consolidation_from=at(scenario.csus.consolidation_from),
        dated=frozenset([*dates.values(), entry]),
        **dates,
    )


def build_world(scenario: Scenario) -> World:
    """Derive the static arrays of a scenario (done once per Monte Carlo study)."""
    labels = quarter_labels(scenario.start, scenario.quarters)
    populations = ccg_populations(scenario)
    csus, private = scenario.csus, scenario.private
    n_private = private.count if private.enabled else 0
    is_csu = np.arange(csus.count + n_private) < csus.count
    allowance = allowance_by_quarter(scenario, labels)
    base_total = float(sum(spec.base_cost_per_head for spec in scenario.service_lines))
    choice = scenario.choice
    pressure = (allowance[0] / allowance) ** choice.allowance_pressure
    return World(
        scenario=scenario,
        labels=labels,
        ccg_population=populations,
        pairs=_pairs(scenario, populations),
        calendar=_calendar(scenario),
        price_weight=choice.price_weight * pressure,
        allowance=allowance,
        supplier_names=tuple([f"CSU {i + 1:02d}" for i in range(csus.count)]
                             + [f"Private {i + 1:02d}" for i in range(n_private)]),
        is_csu=is_csu,
        entry_quarter=np.where(is_csu, 0, quarter_index(scenario.start, private.entry)),
        vat=np.where(is_csu, 0.0, private.vat_penalty),
        surplus=np.where(is_csu, csus.surplus_target, private.surplus_target),
        pricing_floor=np.where(is_csu, csus.pricing_population_floor,
                               private.pricing_population) * base_total,
        patience=np.where(is_csu, csus.exit_after_losing_quarters,
                          private.exit_after_losing_quarters),
        make_utility=(
            choice.quality_weight * scenario.in_house.quality + choice.in_house_local_knowledge,
            choice.quality_weight * scenario.ally.quality + choice.ally_local_knowledge),
        make_options_live=np.ones(FIRST_SUPPLIER, dtype=bool),
        line_end_to_end=np.array([line.lot == "end_to_end" for line in scenario.service_lines]),
        min_efficient_volume=csus.min_efficient_scale * base_total,
        n_lines=len(scenario.service_lines),
        n_ally_cells=scenario.ccgs.ally_groups * len(scenario.service_lines),
        total_population=float(populations.sum()),
        base_total=base_total,
    )
