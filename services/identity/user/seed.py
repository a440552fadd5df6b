"""Demo users for the embedded default (`seed-demo-users`): one per typical role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.organisation import repository as organisations
from services.identity.organisation import service as organisation_service
from services.identity.organisation.reference import REFERENCE
from services.identity.organisation.schemas import OrganisationCreate
from services.identity.user import repository
from services.identity.user import service as user_service
from services.identity.user.passwords import Passwords
from services.identity.user.schemas import UserCreate
from shared.auth import Principal

SEED_ACTOR = "system:seed"


@dataclass(frozen=True)
class DemoUser:
    username: str
    organisation: str
    roles: tuple[str, ...]
    created: bool


def demo_reference() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REFERENCE / "demo_users.yaml").read_text())
    return data


async def seed_demo_users(session: AsyncSession, *, password: str,
                          passwords: Passwords) -> list[DemoUser]:
    """Register the demo suppliers and users that are missing (idempotent)."""
    data = demo_reference()
    for supplier in data["suppliers"]:
        if await organisations.by_code(session, supplier["code"]) is None:
            await organisation_service.register(session, OrganisationCreate(
                type="SUPPLIER", **supplier), actor=SEED_ACTOR)
    await session.flush()
    return [await _seed_user(session, row, password=password, passwords=passwords)
            for row in data["users"]]


async def _seed_user(session: AsyncSession, row: dict[str, Any], *, password: str,
                     passwords: Passwords) -> DemoUser:
    demo = DemoUser(row["username"], row["organisation"], tuple(row["roles"]), created=False)
    if await repository.by_username(session, row["username"]) is not None:
        return demo
    organisation = await organisations.by_code(session, row["organisation"])
    if organisation is None:
        raise LookupError(f"organisation {row['organisation']} is missing: run `seed` first")
    seeder = Principal(subject=SEED_ACTOR, org_id=organisation.id, org_type="DOH",
                       roles=frozenset({"doh_admin"}), token_id="seed",  # noqa: S106 - an id
                       expires_at=0)
    await user_service.create(session, UserCreate(
        username=row["username"], display_name=row["display_name"],
        organisation_id=organisation.id, roles=row["roles"], password=password),
        by=seeder, passwords=passwords, ip=None)
    return DemoUser(demo.username, demo.organisation, demo.roles, created=True)
