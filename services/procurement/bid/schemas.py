from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.procurement.request.schemas import MAX_PENCE

PaymentModel = Literal["fixed_fee", "capped_time_and_materials", "risk_reward", "gain_share",
                       "outcome_based"]


class BidCreate(BaseModel):
    """A sealed bid: price, an answer per published quality criterion, the payment model and
    its terms (parameters as listed for the model in GET /framework)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "price_pence": 24_000_000,
        "answers": {"approach": "A contract-by-contract review cycle...",
                    "capability": "Six PbR-experienced contract managers...",
                    "outcomes": "Overspend held below 1%..."},
        "payment_model": "risk_reward",
        "payment_terms": {"base_fee_pence": 6_000_000, "at_risk_percent": "10",
                          "bonus_percent": "5",
                          "kpis": [{"code": "contracts_reviewed", "weight": 1,
                                    "target": "12", "stretch": "15"}]}}]})

    price_pence: int = Field(gt=0, lt=MAX_PENCE, description="the price evaluated, whole pence")
    answers: dict[str, str] = Field(description="criterion code -> answer", max_length=20)
    payment_model: PaymentModel
    payment_terms: dict[str, Any] = Field(description="the payment model's parameters")


class ScoresIn(BaseModel):
    """An evaluator's quality score for each published criterion (0..its max score)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "scores": {"approach": 4, "capability": 3, "outcomes": 5}}]})

    scores: dict[str, int] = Field(max_length=20)


class BidRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "b1", "call_off_id": "3a1f...", "supplier_id": "FESC01",
        "price_pence": 24_000_000, "answers": {"approach": "Monthly contract reviews..."},
        "payment_model": "fixed_fee",
        "payment_terms": {"total_fee_pence": 24_000_000, "instalments": 4},
        "submitted_at": "2008-06-10T15:00:00Z", "version": 1,
        "scores": {"approach": 4}, "scored_at": "2008-06-17T09:30:00Z"}]})

    id: str
    call_off_id: str
    supplier_id: str
    price_pence: int
    answers: dict[str, str]
    payment_model: PaymentModel
    payment_terms: dict[str, Any]
    submitted_at: datetime
    version: int = Field(description="2 and more: the bid was replaced before the deadline")
    scores: dict[str, int] | None
    scored_at: datetime | None
