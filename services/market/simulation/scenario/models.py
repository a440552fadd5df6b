"""Scenario documents: validated parameters of the fuller market model.

Every field is documented with its source or marked as an assumption in docs/market-model.md.
Money is in pounds a year unless the name ends in `_m` (millions of pounds a year); populations
are people; qualities are on a 0-1 scale.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

ServiceLine = Literal[
    "needs_assessment", "business_intelligence", "service_redesign", "communications",
    "procurement", "provider_management", "hr", "finance", "it", "estates",
    "medicines_management", "chc_ifr",
]
Lot = Literal["end_to_end", "medicines_management", "chc_ifr"]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_range(bounds: tuple[float, float], field: str) -> None:
    low, high = bounds
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"{field} must be (low, high) with 0 <= low <= high <= 1, got {bounds}")


class ServiceLineSpec(_Document):
    """One commissioning-support function a CCG makes, buys or shares."""

    name: ServiceLine
    base_cost_per_head: float = Field(gt=0, le=20)  # £ a year at supplier scale
    fixed_share: float = Field(ge=0, le=1)  # share of the cost that does not scale with people
    lot: Lot = "end_to_end"


SERVICE_LINES: tuple[ServiceLineSpec, ...] = tuple(
    ServiceLineSpec.model_validate(
        {"name": name, "base_cost_per_head": cost, "fixed_share": fixed, "lot": lot})
    for name, cost, fixed, lot in (
        ("needs_assessment", 0.35, 0.3, "end_to_end"),
        ("business_intelligence", 1.30, 0.6, "end_to_end"),
        ("service_redesign", 0.60, 0.2, "end_to_end"),
        ("communications", 0.40, 0.3, "end_to_end"),
        ("procurement", 0.55, 0.5, "end_to_end"),
        ("provider_management", 0.95, 0.3, "end_to_end"),
        ("hr", 0.45, 0.4, "end_to_end"),
        ("finance", 0.80, 0.4, "end_to_end"),
        ("it", 1.30, 0.6, "end_to_end"),
        ("estates", 0.25, 0.4, "end_to_end"),
        ("medicines_management", 0.70, 0.2, "medicines_management"),
        ("chc_ifr", 0.85, 0.3, "chc_ifr"),
    )
)


class CcgSpec(_Document):
    """The buyers: clinical commissioning groups."""

    count: int = Field(default=211, ge=2, le=2000)
    median_population: float = Field(default=221_000, gt=0)
    min_population: float = Field(default=63_100, gt=0)
    max_population: float = Field(default=869_400, gt=0)
    populations: list[float] | None = None  # an explicit list overrides the generated one
    layout_seed: int = Field(default=2013, ge=0)
    ally_groups: int = Field(default=50, ge=1)
    initial_in_house_share: float = Field(default=0.1, ge=0, le=1)
    running_cost_allowance: dict[int, float] = Field(
        default_factory=lambda: {2013: 25.0, 2014: 24.78, 2015: 22.07})

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.min_population <= self.median_population <= self.max_population:
            raise ValueError("populations must satisfy min_population <= median <= max_population")
        if self.populations is not None and (
                len(self.populations) != self.count or min(self.populations) <= 0):
            raise ValueError(f"populations must list {self.count} positive numbers (count)")
        if self.ally_groups > self.count:
            raise ValueError("ally_groups cannot exceed the number of CCGs")
        if not self.running_cost_allowance or min(self.running_cost_allowance.values()) <= 0:
            raise ValueError("running_cost_allowance needs at least one positive £/head value")
        return self


class ChoiceSpec(_Document):
    """Logit weights of a CCG's make / buy / ally decision."""

    price_weight: float = Field(default=8.0, ge=0)  # per unit of price relative to the base cost
    quality_weight: float = Field(default=5.0, ge=0)
    incumbency_bonus: float = Field(default=1.5, ge=0)  # switching cost
    in_house_local_knowledge: float = Field(default=0.5, ge=0)
    ally_local_knowledge: float = Field(default=0.25, ge=0)
    # the price weight is multiplied by (first allowance / allowance) ** allowance_pressure
    allowance_pressure: float = Field(default=1.0, ge=0)


class ContractSpec(_Document):
    """Length of arrangements, in quarters (reviews of in-house arrangements too)."""

    min_quarters: int = Field(default=6, ge=1)
    max_quarters: int = Field(default=12, ge=1)
    initial_min_quarters: int = Field(default=4, ge=1)
    initial_max_quarters: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_quarters > self.max_quarters:
            raise ValueError("min_quarters must not exceed max_quarters")
        if self.initial_min_quarters > self.initial_max_quarters:
            raise ValueError("initial_min_quarters must not exceed initial_max_quarters")
        return self


class CsuSpec(_Document):
    """Commissioning support units formed from PCT clusters."""

    count: int = Field(default=19, ge=1, le=100)
    quality: tuple[float, float] = (0.4, 0.8)
    quality_spread: float = Field(default=0.05, ge=0, le=0.5)  # by service line, around its own
    fixed_cost_m: float = Field(default=5.0, ge=0)
    unit_cost: float = Field(default=0.85, gt=0)  # variable cost relative to the base cost
    pricing_population_floor: float = Field(default=500_000, gt=0)
    surplus_target: float = Field(default=0.05, ge=0, le=1)
    hosted_until: dt.date = dt.date(2016, 4, 1)
    exit_after_losing_quarters: int = Field(default=4, ge=1)
    consolidation_from: dt.date = dt.date(2014, 7, 1)
    min_efficient_scale: float = Field(default=5_000_000, ge=0)  # population-equivalent served
    merger_synergy: float = Field(default=0.15, ge=0, lt=1)  # share of combined fixed cost saved
    other_income_m: float = Field(default=200.0, ge=0)  # non-CCG income of the sector, at cost
    cost_per_staff: float = Field(default=92_000, gt=0)

    @model_validator(mode="after")
    def _quality(self) -> Self:
        _check_range(self.quality, "csus.quality")
        return self


class PrivateSpec(_Document):
    """Private providers (e.g. the Lead Provider Framework's Lot 1 firms)."""

    enabled: bool = True
    entry: dt.date = dt.date(2015, 2, 1)
    count: int = Field(default=3, ge=0, le=50)
    quality: tuple[float, float] = (0.5, 0.9)
    quality_spread: float = Field(default=0.05, ge=0, le=0.5)
    fixed_cost_m: float = Field(default=10.0, ge=0)
    unit_cost: float = Field(default=0.8, gt=0)
    vat_penalty: float = Field(default=0.07, ge=0, le=0.2)
    pricing_population: float = Field(default=3_000_000, gt=0)
    surplus_target: float = Field(default=0.05, ge=0, le=1)
    exit_after_losing_quarters: int = Field(default=8, ge=1)

    @model_validator(mode="after")
    def _quality(self) -> Self:
        _check_range(self.quality, "private.quality")
        return self


class MakeSpec(_Document):
    """A CCG's own team (in-house) or a team shared with neighbouring CCGs (ally)."""

    quality: float = Field(default=0.6, ge=0, le=1)
    cost_premium: float = Field(default=0.1, ge=0)  # on the variable part of the base cost
    reference_population: float = Field(default=500_000, gt=0)  # fixed part costs base here


def _business_intelligence_only() -> dict[ServiceLine, float]:
    return {"business_intelligence": 0.75}


class NationalSpec(_Document):
    """Functions bought at scale nationally (2011 draft): a scenario switch."""

    enabled: bool = False
    start: dt.date = dt.date(2014, 4, 1)
    units: int = Field(default=10, ge=1)
    price_per_head: dict[ServiceLine, float] = Field(default_factory=_business_intelligence_only)

    @model_validator(mode="after")
    def _prices(self) -> Self:
        if self.enabled and not self.price_per_head:
            raise ValueError("national.price_per_head must name at least one service line")
        if any(price <= 0 for price in self.price_per_head.values()):
            raise ValueError("national.price_per_head values must be positive (£ a head)")
        return self


class FrameworkGateSpec(_Document):
    """The 2015 accreditation gate for end-to-end work (Lead Provider Framework Lot 1)."""

    enabled: bool = True
    date: dt.date = dt.date(2015, 2, 1)
    min_quality: float = Field(default=0.55, ge=0, le=1)
    min_population: float = Field(default=3_000_000, ge=0)
    csu_sla_end: dt.date | None = None  # CSU agreements re-tendered by then


class Scenario(_Document):
    """A complete, validated parameter document for one market simulation."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    description: str = ""
    start: dt.date = dt.date(2013, 4, 1)
    quarters: int = Field(default=20, ge=1, le=120)
    ccgs: CcgSpec = CcgSpec()
    service_lines: tuple[ServiceLineSpec, ...] = SERVICE_LINES
    choice: ChoiceSpec = ChoiceSpec()
    contracts: ContractSpec = ContractSpec()
    csus: CsuSpec = CsuSpec()
    private: PrivateSpec = PrivateSpec()
    in_house: MakeSpec = MakeSpec()
    ally: MakeSpec = MakeSpec(cost_premium=0.15, reference_population=500_000)
    national: NationalSpec = NationalSpec()
    framework_gate: FrameworkGateSpec = FrameworkGateSpec()

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.start.day != 1:
            raise ValueError("start must be the first day of a month (quarters run from it)")
        names = [line.name for line in self.service_lines]
        if not names or len(set(names)) != len(names):
            raise ValueError("service_lines must be a non-empty list without repeated names")
        unknown = sorted(set(self.national.price_per_head) - set(names))
        if self.national.enabled and unknown:
            raise ValueError(f"national.price_per_head names service lines not in the scenario: "
                             f"{unknown}")
        return self
