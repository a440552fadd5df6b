from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SupplierStatus = Literal["active", "suspended", "removed"]


class SupplierRead(BaseModel):
    """An approved supplier: the package lists and groupings it may be invited for."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "code": "FESC01", "name": "BUPA Commissioning", "status_of_name": "confirmed",
        "organisation_id": "2f0c5d0e-1b7e-4c51-9a44-8c0e6d6f1a10",
        "approved_lists": ["micro", "macro", "end_to_end"],
        "approved_groupings": ["assessment_and_planning", "contracting_and_procurement"],
        "status": "active", "status_reason": None, "status_effective_on": None,
        "scheduled_status": "suspended",
        "scheduled_reason": "Investigation into a conflict of interest at a PCT client",
        "scheduled_on": "2008-09-01", "framework_version": 1, "version": 2,
        "updated_at": "2008-06-02T09:00:00Z"}]})

    code: str = Field(description="the supplier's id on the framework (FESC01..FESC14)")
    name: str
    status_of_name: str = Field(description="confirmed, implied or unconfirmed (sources)")
    organisation_id: str | None = Field(
        description="the SUPPLIER organisation in the directory, once identity registered it")
    approved_lists: list[str]
    approved_groupings: list[str]
    status: SupplierStatus = Field(description="the status in force today")
    status_reason: str | None
    status_effective_on: date | None = Field(description="since when the status is in force")
    scheduled_status: SupplierStatus | None = Field(
        default=None, description="a change decided for a later day (none: nothing due)")
    scheduled_reason: str | None = None
    scheduled_on: date | None = Field(default=None,
                                      description="the day the scheduled status takes effect")
    framework_version: int
    version: int
    updated_at: datetime


class StatusChange(BaseModel):
    """Why the supplier's status changes, and from when."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "reason": "Investigation into a conflict of interest at a PCT client",
        "effective_on": "2008-09-01"}]})

    reason: str = Field(min_length=5, max_length=2000)
    effective_on: date | None = Field(
        default=None, description="defaults to today; a later day schedules the change, which "
                                  "takes effect on that day (one scheduled change at a time)")
