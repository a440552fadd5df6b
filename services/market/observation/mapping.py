"""From observations to scenario parameters (pure): demand adjustment and supplier price prior.

Both adjustments shrink towards the model's priors: an observed quantity gets the weight
n / (n + credibility), so a handful of events moves a run's parameters only a little. The
policy (thresholds, references, bounds) is versioned data: reference/calibration/inputs.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from services.market.simulation.scenario import Scenario, with_parameters

POLICY_PATH = Path(__file__).resolve().parents[1] / "reference" / "calibration" / "inputs.yaml"
DAYS_A_YEAR = Fraction(36525, 100)


class _Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DemandPolicy(_Policy):
    reliance_threshold: float = Field(ge=1, le=4)
    reference_reliant_share: float = Field(gt=0, le=1)
    credibility: float = Field(ge=0)
    bounds: tuple[float, float]


class PricePolicy(_Policy):
    package_types: tuple[str, ...]
    reference_price_per_head_pence: int = Field(gt=0)
    credibility: float = Field(ge=0)
    bounds: tuple[float, float]


class InputPolicy(_Policy):
    version: int
    demand: DemandPolicy
    price: PricePolicy


@cache
def load_policy(path: Path = POLICY_PATH) -> InputPolicy:
    """The mapping's parameters (read once)."""
    return InputPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class PricedContract:
    """What a contract tells about prices: its value, length and population served."""

    package_type: str
    value_pence: int
    start_date: date
    end_date: date
    population_served: int | None

    def price_per_head_a_year(self) -> Fraction | None:
        """Pence a head a year (exact), or None when the population is unknown."""
        if not self.population_served:
            return None
        days = (self.end_date - self.start_date).days + 1  # end dates are inclusive
        return Fraction(self.value_pence) / self.population_served / (days / DAYS_A_YEAR)


@dataclass(frozen=True)
class Observations:
    """The read models' contents that matter: one mean level per rated PCT, the contracts."""

    mean_levels: tuple[float, ...]
    contracts: tuple[PricedContract, ...]


def _shrunk(observed: float, prior: float, n: int, credibility: float,
            bounds: tuple[float, float]) -> float:
    weight = n / (n + credibility) if n + credibility > 0 else 0.0
    low, high = bounds
    return round(min(max(prior + weight * (observed - prior), low), high), 6)


def demand_adjustment(levels: Sequence[float], policy: DemandPolicy) -> tuple[float | None, float]:
    """(share of rated PCTs relying on external support, demand adjustment; 1 = the prior)."""
    if not levels:
        return None, 1.0
    reliant = sum(1 for level in levels if level < policy.reliance_threshold) / len(levels)
    ratio = reliant / policy.reference_reliant_share
    return round(reliant, 6), _shrunk(ratio, 1.0, len(levels), policy.credibility, policy.bounds)


def price_factor(contracts: Sequence[PricedContract],
                 policy: PricePolicy) -> tuple[int, int | None, float]:
    """(priced contracts, their mean pence a head a year, factor on the suppliers' unit cost)."""
    prices = [price for contract in contracts if contract.package_type in policy.package_types
              and (price := contract.price_per_head_a_year()) is not None]
    if not prices:
        return 0, None, 1.0
    mean = sum(prices, Fraction(0)) / len(prices)
    ratio = float(mean / policy.reference_price_per_head_pence)
    factor = _shrunk(ratio, 1.0, len(prices), policy.credibility, policy.bounds)
    return len(prices), round(mean), factor


def adjusted_parameters(scenario: Scenario, demand: float, price: float) -> dict[str, float]:
    """Weaker commissioners buy more: own and shared teams count for less (quality / demand)
    and start with less work; observed prices scale the private suppliers' unit cost."""
    values: dict[str, float] = {}
    if demand != 1.0:
        values["ccgs.initial_in_house_share"] = scenario.ccgs.initial_in_house_share / demand
        values["in_house.quality"] = min(1.0, scenario.in_house.quality / demand)
        values["ally.quality"] = min(1.0, scenario.ally.quality / demand)
    if price != 1.0:
        values["private.unit_cost"] = scenario.private.unit_cost * price
    return {path: round(value, 6) for path, value in values.items()}


def derive(scenario: Scenario, observations: Observations,
           policy: InputPolicy | None = None) -> tuple[Scenario, dict[str, Any]]:
    """The scenario a new run uses, and the record of the inputs behind it."""
    policy = policy or load_policy()
    reliant, demand = demand_adjustment(observations.mean_levels, policy.demand)
    priced, mean_price, factor = price_factor(observations.contracts, policy.price)
    applied = adjusted_parameters(scenario, demand, factor)
    record = {
        "used": True, "policy_version": policy.version,
        "ratings": len(observations.mean_levels), "reliant_share": reliant,
        "demand_adjustment": demand, "observed_contracts": len(observations.contracts),
        "priced_contracts": priced, "mean_price_per_head_pence": mean_price,
        "price_factor": factor, "applied": applied,
    }
    return (with_parameters(scenario, applied) if applied else scenario), record
