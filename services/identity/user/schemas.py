from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

USERNAME = r"^[a-z0-9][a-z0-9._-]{2,63}$"


def _normalised(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


Username = Annotated[str, BeforeValidator(_normalised), StringConstraints(pattern=USERNAME)]
RoleCode = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]
Roles = Annotated[list[RoleCode], Field(max_length=20, description="codes from docs/roles.md")]
Kind = Literal["person", "service"]


class UserCreate(BaseModel):
    """A person joining an organisation, with an initial password (12 to 128 characters)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "username": "j.bloggs", "display_name": "Jo Bloggs", "email": "jo.bloggs@nhs.net",
        "organisation_id": "c1f3a0de-...", "roles": ["pct_commissioner"],
        "password": "correct horse battery staple"}]})  # nosec B105  # example

    username: Username
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    organisation_id: str = Field(max_length=36)
    roles: Roles = Field(default_factory=list)
    password: str = Field(min_length=12, max_length=128, repr=False)


class ServiceAccountCreate(BaseModel):
    """A machine client of an organisation; it gets the `service` role automatically."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "display_name": "Q31 dashboard feed", "organisation_id": "5b8e...", "roles": []}]})

    display_name: str = Field(min_length=1, max_length=200)
    organisation_id: str = Field(max_length=36)
    roles: Roles = Field(default_factory=list)


class RolesUpdate(BaseModel):
    """The complete new set of roles (replaces the current ones)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "roles": ["pct_commissioner", "sha_assessor"]}]})

    roles: Roles


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organisation_id: str
    kind: Kind
    username: str
    display_name: str
    email: str | None
    client_id: str | None = Field(description="service accounts only")
    roles: list[str]
    locked_until: datetime | None = Field(description="set while failed logins lock it")
    last_login_at: datetime | None
    disabled_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ServiceAccountCreated(UserRead):
    """The new service account; `client_secret` is shown this once and never again."""

    client_secret: str
