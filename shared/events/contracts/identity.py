"""Events published by the identity service."""

from __future__ import annotations

from datetime import date
from typing import Literal

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


class _UserEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(description="identity's id for the user or service account (UUID)")
    organisation_id: str = Field(description="the organisation the user belongs to")


@contract("identity.user.registered.v1", key="user_id",
          summary="A user or service account was created. Carries no password or secret.")
class UserRegistered(_UserEvent):
    kind: Literal["person", "service"]
    username: str
    display_name: str
    roles: list[str] = Field(description="role codes (docs/roles.md)")
    registered_by: str = Field(description="id of the administrator who created it")


@contract("identity.user.roles_changed.v1", key="user_id",
          summary="A user's roles were replaced; carries the full new set and the difference.")
class UserRolesChanged(_UserEvent):
    roles: list[str]
    added: list[str]
    removed: list[str]
    changed_by: str


@contract("identity.user.disabled.v1", key="user_id",
          summary="A user can no longer obtain or refresh tokens.")
class UserDisabled(_UserEvent):
    disabled_by: str


@contract("identity.session.revoked.v1", key="user_id",
          summary="Refresh-token families of a user were revoked (logout, reuse, disabling).")
class SessionRevoked(_UserEvent):
    family_ids: list[str] = Field(description="the revoked refresh-token families")
    reason: Literal["logout", "refresh_reuse", "user_disabled"]
