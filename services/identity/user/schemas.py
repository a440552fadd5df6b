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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "7a0c1d2e-3f4a-4b5c-8d6e-9f0a1b2c3d4e",
        "organisation_id": "9d3f6a52-1c7e-4b0a-8f2d-5e6c7b8a9d01", "kind": "person",
        "username": "5nt.commissioner", "display_name": "Jo Bloggs", "email": "jo.bloggs@nhs.net",
        "client_id": None, "roles": ["pct_commissioner"], "locked_until": None,
        "last_login_at": "2009-06-01T08:55:12Z", "disabled_at": None, "version": 1,
        "created_at": "2009-04-01T09:00:00Z", "updated_at": "2009-04-01T09:00:00Z"}]})

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

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
        "organisation_id": "2c4e6a8b-0d1f-4a3c-9e5b-7d9f1b3d5f70", "kind": "service",
        "username": "svc-3f9a1c2b7d4e5f60", "display_name": "Q31 dashboard feed", "email": None,
        "client_id": "svc-3f9a1c2b7d4e5f60", "roles": ["service"], "locked_until": None,
        "last_login_at": None, "disabled_at": None, "version": 1,
        "created_at": "2009-04-01T09:00:00Z", "updated_at": "2009-04-01T09:00:00Z",
        "client_secret": "Vb7q2N4xYk9pL0sR3tW6uZ8a"}]})  # nosec B105  # example

    client_secret: str
