"""A contract's payment terms: one validated model per payment model, built from its params.

The field names (less `model`) are the parameters listed for each model in the framework's
reference file; tests keep the two in step. Money is integer pence, percentages are Decimals
of 100 (12.5 = 12.5%).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator


class _Terms(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Percent = Annotated[Decimal, Field(ge=0, le=100)]


class FixedFeeTerms(_Terms):
    model: Literal["fixed_fee"] = "fixed_fee"
    total_fee_pence: int = Field(gt=0)
    instalments: int = Field(ge=1)


class CappedTimeAndMaterialsTerms(_Terms):
    model: Literal["capped_time_and_materials"] = "capped_time_and_materials"
    hourly_rate_pence: int = Field(gt=0)
    cap_pence: int = Field(gt=0)


class Kpi(_Terms):
    """A KPI: its weight among the KPIs, its target and optional stretch level."""

    code: str
    weight: int = Field(gt=0)
    target: Decimal = Field(gt=0)
    stretch: Decimal | None = None
    higher_is_better: bool = True

    @model_validator(mode="after")
    def _stretch_beyond_target(self) -> Kpi:
        if self.stretch is None:
            return self
        beyond = self.stretch > self.target if self.higher_is_better else self.stretch < self.target
        if not beyond:
            raise ValueError(f"KPI {self.code}: the stretch level must be beyond the target")
        return self


class RiskRewardTerms(_Terms):
    model: Literal["risk_reward"] = "risk_reward"
    base_fee_pence: int = Field(gt=0)
    at_risk_percent: Percent
    bonus_percent: Percent = Decimal(0)
    kpis: tuple[Kpi, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_kpis(self) -> RiskRewardTerms:
        codes = [k.code for k in self.kpis]
        if len(set(codes)) != len(codes):
            raise ValueError("KPI codes must be unique")
        return self


class GainShareTerms(_Terms):
    model: Literal["gain_share"] = "gain_share"
    share_percent: Annotated[Decimal, Field(gt=0, le=100)]
    floor_pence: int = Field(default=0, ge=0)
    cap_pence: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _floor_below_cap(self) -> GainShareTerms:
        if self.cap_pence is not None and self.cap_pence < self.floor_pence:
            raise ValueError("the cap must not be below the floor")
        return self


class Outcome(_Terms):
    code: str
    description: str
    payment_per_unit_pence: int = Field(gt=0)
    target_units: int = Field(gt=0)


class OutcomeBasedTerms(_Terms):
    model: Literal["outcome_based"] = "outcome_based"
    fixed_element_pence: int = Field(default=0, ge=0)
    outcomes: tuple[Outcome, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_outcomes(self) -> OutcomeBasedTerms:
        codes = [o.code for o in self.outcomes]
        if len(set(codes)) != len(codes):
            raise ValueError("outcome codes must be unique")
        return self


PaymentTerms = Annotated[
    FixedFeeTerms | CappedTimeAndMaterialsTerms | RiskRewardTerms | GainShareTerms
    | OutcomeBasedTerms,
    Field(discriminator="model"),
]
TERMS_BY_MODEL: dict[str, type[_Terms]] = {
    "fixed_fee": FixedFeeTerms,
    "capped_time_and_materials": CappedTimeAndMaterialsTerms,
    "risk_reward": RiskRewardTerms,
    "gain_share": GainShareTerms,
    "outcome_based": OutcomeBasedTerms,
}
_ADAPTER: TypeAdapter[PaymentTerms] = TypeAdapter(PaymentTerms)


def parse_terms(model: str, params: Mapping[str, object]) -> PaymentTerms:
    """Validate a contract's params for its payment model (raises pydantic.ValidationError)."""
    return _ADAPTER.validate_python({**params, "model": model})


def parameter_names(model: str) -> frozenset[str]:
    """The params a payment model takes (its fields less the `model` tag)."""
    return frozenset(TERMS_BY_MODEL[model].model_fields) - {"model"}
