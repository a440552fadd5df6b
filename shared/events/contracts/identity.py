"""Events published by the identity service."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from shared.events.contracts import contract

ORG_TYPES = ("DOH", "NHSCB", "SHA", "PCT", "CCG", "CSU", "SUPPLIER")


class _OrganisationState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation_id: str = Field(description="identity's id for the organisation (UUID)")
    code: str = Field(description="ODS-style code, unique")
    name: str
    type: str = Field(description="one of " + ", ".join(ORG_TYPES))
    parent_id: str | None = Field(default=None, description="parent organisation's id")
    parent_code: str | None = None
    valid_from: date
    valid_to: date | None = None


@contract("identity.organisation.registered.v1", key="organisation_id",
          summary="An organisation was added to the directory.")
class OrganisationRegistered(_OrganisationState):
    pass


@contract("identity.organisation.updated.v1", key="organisation_id",
          summary="An organisation's details changed; carries the full new state.")
class OrganisationUpdated(_OrganisationState):
    changed: list[str] = Field(default_factory=list, description="names of the fields that changed")
