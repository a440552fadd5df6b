from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CallOffStatus = Literal["open", "awarded", "contracted", "cancelled"]
CODE = r"^[a-z][a-z0-9_]{0,39}$"


class CriterionIn(BaseModel):
    """A published quality criterion: its weight among the quality weight and its top score."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=2, max_length=200)
    weight: int = Field(gt=0, le=100)
    max_score: int = Field(gt=0, le=100)


class CallOffCreate(BaseModel):
    """Open a mini-competition for an approved request.

    Every active supplier approved for the package's list and groupings is invited. Weights
    and criteria default to the framework's (price 40, quality 60 over three criteria).
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "request_id": "8d2c...", "clarification_deadline": "2008-06-16T12:00:00Z",
        "bid_deadline": "2008-06-30T12:00:00Z", "price_weight": 40, "quality_weight": 60,
        "criteria": [
            {"code": "approach", "name": "Approach and methodology", "weight": 25,
             "max_score": 5},
            {"code": "capability", "name": "Team capability and experience", "weight": 20,
             "max_score": 5},
            {"code": "outcomes", "name": "Outcomes, KPIs and value", "weight": 15,
             "max_score": 5}]}]})

    request_id: str = Field(max_length=36)
    title: str | None = Field(default=None, min_length=3, max_length=200,
                              description="defaults to the request's title")
    clarification_deadline: AwareDatetime = Field(description="questions close")
    bid_deadline: AwareDatetime = Field(description="bids close; bids stay sealed until then")
    price_weight: int | None = Field(default=None, ge=0, le=100)
    quality_weight: int | None = Field(default=None, ge=0, le=100)
    criteria: list[CriterionIn] | None = Field(default=None, min_length=1, max_length=20)


class RerunCreate(BaseModel):
    """Run a cancelled call-off again: same request, criteria and weights; new deadlines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "clarification_deadline": "2008-09-15T12:00:00Z",
        "bid_deadline": "2008-09-29T12:00:00Z"}]})

    clarification_deadline: AwareDatetime
    bid_deadline: AwareDatetime


class Cancellation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "reason": "No bid met the minimum quality threshold"}]})

    reason: str = Field(min_length=5, max_length=2000)


class CallOffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "3a1f...", "request_id": "8d2c...", "pct_id": "5f1e...", "sha_id": "c0b7...",
        "run_number": 1, "previous_call_off_id": None,
        "title": "Managing acute-trust contracts", "package_type": "micro",
        "services": ["acute_contract_management"], "groupings": ["contracting_and_procurement"],
        "estimated_value_pence": 25_000_000, "status": "awarded", "bidding_open": False,
        "published_at": "2008-06-02T09:00:00Z", "clarification_deadline": "2008-06-09T09:00:00Z",
        "bid_deadline": "2008-06-16T09:00:00Z", "price_weight": 40, "quality_weight": 60,
        "criteria": [{"code": "approach", "name": "Approach and methodology", "weight": 60,
                      "max_score": 5}],
        "invited_supplier_ids": ["FESC01", "FESC03", "FESC06"], "awarded_bid_id": "b1",
        "awarded_supplier_id": "FESC01", "award_decided_on": "2008-06-17",
        "standstill_ends": "2008-06-27", "cancelled_reason": None, "cancelled_at": None,
        "version": 3, "updated_at": "2008-06-17T10:00:00Z"}]})

    id: str
    request_id: str
    pct_id: str
    sha_id: str
    run_number: int = Field(description="2 and more: a re-run of a cancelled call-off")
    previous_call_off_id: str | None
    title: str
    package_type: str
    services: list[str]
    groupings: list[str]
    estimated_value_pence: int
    status: CallOffStatus
    bidding_open: bool = Field(description="true until the bid deadline passes")
    published_at: datetime
    clarification_deadline: datetime
    bid_deadline: datetime
    price_weight: int
    quality_weight: int
    criteria: list[CriterionIn]
    invited_supplier_ids: list[str]
    awarded_bid_id: str | None
    awarded_supplier_id: str | None
    award_decided_on: date | None
    standstill_ends: date | None = Field(description="the last day of standstill; the "
                                         "contract may be made the day after")
    cancelled_reason: str | None
    cancelled_at: datetime | None
    version: int
    updated_at: datetime


class ScoredBidRead(BaseModel):
    """A bid's place in the evaluation (scores rounded half up to 2 places for display)."""

    rank: int
    bid_id: str
    supplier_id: str
    price_pence: int
    quality_scores: dict[str, int]
    price_score: str = Field(description="lowest price / this price x price weight")
    quality_score: str = Field(description="sum of score / max x criterion weight")
    total: str = Field(description="price score + quality score, out of 100")


class EvaluationRead(BaseModel):
    """The MEAT ranking of the scored bids (see docs/procurement-rules.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "call_off_id": "3a1f...", "price_weight": 40, "quality_weight": 60,
        "ranking": [{"rank": 1, "bid_id": "b1", "supplier_id": "FESC01",
                     "price_pence": 24_000_000, "quality_scores": {"approach": 4},
                     "price_score": "40.00", "quality_score": "48.00", "total": "88.00"}],
        "excluded": []}]})

    call_off_id: str
    price_weight: int
    quality_weight: int
    ranking: list[ScoredBidRead]
    excluded: list[dict[str, Any]] = Field(
        description="bids left out, with why (their supplier is no longer active)")


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "Does the contract cover the PCT's community services contracts too?"}]})

    text: str = Field(min_length=5, max_length=5000)


class ClarificationRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "29bad462-4a77-4838-8596-88507550fe67",
        "question": "Are community contracts in scope?", "asked_at": "2008-06-04T11:20:00Z",
        "supplier_id": "FESC03", "answer": "No: acute contracts only.",
        "answered_at": "2008-06-05T09:45:00Z"}]})

    id: str
    question: str
    asked_at: datetime
    supplier_id: str | None = Field(description="who asked (hidden from other suppliers)")
    answer: str | None
    answered_at: datetime | None
