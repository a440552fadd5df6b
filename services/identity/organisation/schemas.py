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

    name: str | None = Field(default=None, min_length=2, max_length=200,
                             description="cannot be cleared (null)")
    parent_code: str | None = Field(default=None, pattern=CODE)
    valid_from: date | None = Field(default=None, description="cannot be cleared (null)")
    valid_to: date | None = Field(default=None,
                                  description="null: until the organisation type's end")

    @model_validator(mode="after")
    def _no_null_for_required(self) -> OrganisationUpdate:
        cleared = sorted(name for name in self.model_fields_set & {"name", "valid_from"}
                         if getattr(self, name) is None)
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be cleared (null)")
        return self


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01", "code": "5NT", "name": "Manchester PCT",
        "type": "PCT", "parent_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", "parent_code": "Q31",
        "valid_from": "2006-10-01", "valid_to": "2013-03-31", "version": 1,
        "created_at": "2009-04-01T09:00:00Z", "updated_at": "2009-04-01T09:00:00Z"}]})

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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "version": 2, "action": "updated", "actor": "user:4b1d2e3f-doh-admin",
        "at": "2009-06-01T10:30:00Z", "changes": {"name": ["Manchester PCT", "NHS Manchester"]}}]})

    version: int
    action: str
    actor: str
    at: datetime
    changes: dict[str, Any] = Field(description="field -> [old, new]")
