"""The role catalogue (reference/roles.yaml) and the rules for granting roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import yaml

from services.identity.organisation.reference import REFERENCE
from shared.auth import Principal

DOH_ADMIN = "doh_admin"
SERVICE_ROLE = "service"  # held by every service account and by no person


@dataclass(frozen=True)
class Role:
    code: str
    name: str
    org_types: frozenset[str]
    description: str
    admin: bool


@cache
def catalogue() -> dict[str, Role]:
    data = yaml.safe_load((REFERENCE / "roles.yaml").read_text())
    return {code: Role(code=code, name=spec["name"], org_types=frozenset(spec["org_types"]),
                       description=spec["description"], admin=bool(spec.get("admin", False)))
            for code, spec in data["roles"].items()}


@cache
def admin_roles() -> tuple[str, ...]:
    return tuple(sorted(code for code, role in catalogue().items() if role.admin))


def ungrantable(roles: Iterable[str], org_type: str, *, service: bool) -> list[dict[str, object]]:
    """Field errors for the roles a user of `org_type` may not hold (empty when all may)."""
    errors: list[dict[str, object]] = []
    for index, code in enumerate(roles):
        role = catalogue().get(code)
        if role is None:
            msg = f"{code} is not in the role catalogue"
        elif org_type not in role.org_types:
            msg = f"{code} is only for {', '.join(sorted(role.org_types))} users"
        elif code == SERVICE_ROLE and not service:
            msg = f"{code} is reserved for service accounts"
        else:
            continue
        errors.append({"loc": ["body", "roles", index], "msg": msg})
    return errors


def effective_roles(roles: Iterable[str], org_type: str) -> frozenset[str]:
    """The roles that mean something for a member of `org_type` (the rest are ignored)."""
    known = catalogue()
    return frozenset(r for r in roles if r in known and org_type in known[r].org_types)


def manages_all(principal: Principal) -> bool:
    return DOH_ADMIN in effective_roles(principal.roles, principal.org_type)


def manages(principal: Principal, org_id: str) -> bool:
    """DoH administrators manage every organisation's users; other admins only their own."""
    if manages_all(principal):
        return True
    roles = effective_roles(principal.roles, principal.org_type)
    return principal.org_id == org_id and bool(roles & set(admin_roles()))
