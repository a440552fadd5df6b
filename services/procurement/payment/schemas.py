from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Figures(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FixedFeeFigures(_Figures):
    """fixed_fee: which instalment is due (default: the period's place in the schedule)."""

    instalment: int | None = Field(default=None, ge=1)


class TimeSheetFigures(_Figures):
    """capped_time_and_materials: hours worked in the period (paid to date comes from us)."""

    hours: Decimal = Field(ge=0, le=1_000_000)


class KpiFigures(_Figures):
    """risk_reward: the measured value of every KPI in the contract."""

    kpis: dict[str, Decimal] = Field(max_length=50)


class SavingsFigures(_Figures):
    """gain_share: the savings verified for the period (negative when costs rose)."""

    savings_pence: int = Field(gt=-(10**13), lt=10**13)


class OutcomeFigures(_Figures):
    """outcome_based: units achieved of every outcome in the contract."""

    outcomes: dict[str, int] = Field(max_length=50)


FIGURES: dict[str, type[_Figures]] = {
    "fixed_fee": FixedFeeFigures, "capped_time_and_materials": TimeSheetFigures,
    "risk_reward": KpiFigures, "gain_share": SavingsFigures, "outcome_based": OutcomeFigures,
}


class PaymentCreate(BaseModel):
    """A period of the schedule and its figures, shaped by the contract's payment model:
    fixed_fee {instalment}; capped_time_and_materials {hours}; risk_reward {kpis: {code:
    value}}; gain_share {savings_pence}; outcome_based {outcomes: {code: units}}."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"period": "2008-Q3", "figures": {"kpis": {"contracts_reviewed": "9"}}},
        {"period": "2008-Q4", "figures": {"savings_pence": 12_000_000}}]})

    period: str = Field(pattern=r"^\d{4}-Q[1-4]$")
    figures: dict[str, Any]


class PaymentLineRead(BaseModel):
    amount_pence: int = Field(description="negative for deductions (cap, withheld fee)")
    explanation: str


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "p1", "contract_id": "c1", "period": "2008-Q3", "period_start": "2008-08-01",
        "period_end": "2008-09-30", "figures": {"kpis": {"contracts_reviewed": "9"}},
        "amount_pence": 5_850_000,
        "lines": [{"amount_pence": 6_000_000, "explanation": "Base fee £60,000.00"},
                  {"amount_pence": -150_000,
                   "explanation": "KPIs achieved 75.00% by weight (...): 25.00% of the "
                                  "£6,000.00 at risk is withheld"}],
        "calculated_by": "user:...", "calculated_at": "2008-10-02T09:00:00Z"}]})

    id: str
    contract_id: str
    period: str
    period_start: date
    period_end: date
    figures: dict[str, Any]
    amount_pence: int = Field(description="the sum of the lines")
    lines: list[PaymentLineRead]
    calculated_by: str
    calculated_at: datetime
