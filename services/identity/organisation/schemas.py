from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OrgType = Literal["DOH", "NHSCB", "SHA", "PCT", "CCG", "CSU", "SUPPLIER"]
CODE = r"^[A-Z0-9]{2,10}$"


class OrganisationCreate(BaseModel):
    """A new organisation. `parent_code` is required for PCT (an SHA), SHA (the DoH), CCG/CSU."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "code": "5NT", "name": "Manchester PCT", "type": "PCT", "parent_code": "Q31",
        "valid_from": "2006-10-01", "valid_to": "2013-03-31"}]})

    code: str = Field(pattern=CODE, description="ODS-style code, unique")
    name: str = Field(min_length=2, max_length=200)
    type: OrgType
    parent_code: str | None = Field(default=None, pattern=CODE)
    valid_from: date
    valid_to: date | None = None

    @model_validator(mode="after")
    def _period(self) -> OrganisationCreate:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class OrganisationUpdate(BaseModel):
    """Fields to change; omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "NHS Manchester", "valid_to": "2013-03-31"}]})

    name: str | None = Field(default=None, min_length=2, max_length=200)
    parent_code: str | None = Field(default=None, pattern=CODE)
    valid_from: date | None = None
    valid_to: date | None = None


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    type: OrgType
    parent_id: str | None
    parent_code: str | None
    valid_from: date
    valid_to: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class OrganisationChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    action: str
    actor: str
    at: datetime
    changes: dict[str, Any] = Field(description="field -> [old, new]")
