from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ContractCreate(BaseModel):
    """The contract made from the awarded bid, once the standstill period is over."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "start_date": "2008-08-01", "end_date": "2010-07-31", "population_served": 250_000}]})

    start_date: date = Field(description="on or after the day after standstill ends")
    end_date: date
    population_served: int | None = Field(default=None, ge=0, le=100_000_000)

    @model_validator(mode="after")
    def _period(self) -> ContractCreate:
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        return self


class ScheduledPeriod(BaseModel):
    period: str = Field(description="calendar quarter, e.g. 2008-Q3")
    start: date
    end: date
    status: Literal["due", "calculated"]
    amount_pence: int | None


class ContractRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "c1", "call_off_id": "3a1f...", "request_id": "8d2c...", "bid_id": "b1",
        "pct_id": "5f1e...", "sha_id": "c0b7...", "supplier_id": "FESC01",
        "title": "Managing acute-trust contracts", "package_type": "micro",
        "services": ["acute_contract_management"], "groupings": ["contracting_and_procurement"],
        "payment_model": "fixed_fee",
        "payment_terms": {"total_fee_pence": 24_000_000, "instalments": 4},
        "value_pence": 24_000_000, "start_date": "2008-07-01", "end_date": "2009-06-30",
        "population_served": None, "status": "signed", "pct_signed_by": "user:...",
        "pct_signed_at": "2008-06-28T10:00:00Z", "supplier_signed_by": "user:...",
        "supplier_signed_at": "2008-06-28T11:00:00Z", "signed_on": "2008-06-28",
        "schedule": [{"period": "2008-Q3", "start": "2008-07-01", "end": "2008-09-30",
                      "status": "calculated", "amount_pence": 6_000_000}],
        "version": 3, "created_at": "2008-06-28T09:00:00Z",
        "updated_at": "2008-06-28T11:00:00Z"}]})

    id: str
    call_off_id: str
    request_id: str
    bid_id: str
    pct_id: str
    sha_id: str
    supplier_id: str
    title: str
    package_type: str
    services: list[str]
    groupings: list[str]
    payment_model: str
    payment_terms: dict[str, Any]
    value_pence: int
    start_date: date
    end_date: date
    population_served: int | None
    status: Literal["awarded", "signed"]
    pct_signed_by: str | None
    pct_signed_at: datetime | None
    supplier_signed_by: str | None
    supplier_signed_at: datetime | None
    signed_on: date | None
    schedule: list[ScheduledPeriod]
    version: int
    created_at: datetime
    updated_at: datetime
