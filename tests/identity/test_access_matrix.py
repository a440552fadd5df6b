"""Who may call which identity endpoint: each role against each organisation relation.

Rule under test: a DoH administrator manages every organisation's users; any other
administrator (a role with `admin: true`) manages only its own organisation's; no other role
manages users. Organisations: any signed-in user reads them, only DoH administrators change
them. The audit log is for DoH administrators.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from services.identity.audit.models import AuditEvent
from services.identity.organisation.models import Organisation
from services.identity.user.models import User
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import PASSWORD, add_user, bearer, count, outbox_types

# role -> the organisation (attribute of Orgs) its holder belongs to
HOME = {
    "doh_admin": "doh", "doh_dg_commissioning": "doh", "nhscb_admin": "nhscb",
    "nhscb_analyst": "nhscb", "sha_admin": "sha", "sha_assessor": "sha", "pct_admin": "pct",
    "pct_commissioner": "pct", "supplier_admin": "supplier", "supplier_bidder": "supplier",
}
# home -> relation -> the organisation the target user belongs to
RELATIVES = {
    "doh": {"own": "doh", "child": "sha", "unrelated": "supplier"},
    "nhscb": {"own": "nhscb", "child": "ccg", "sibling": "sha", "unrelated": "supplier"},
    "sha": {"own": "sha", "child": "pct", "sibling": "other_sha", "unrelated": "far_pct"},
    "pct": {"own": "pct", "sibling": "sibling_pct", "unrelated": "far_pct"},
    "supplier": {"own": "supplier", "sibling": "other_supplier", "unrelated": "pct"},
}
# role -> relations in which it may manage users (the table under test)
MANAGES = {
    "doh_admin": {"own", "child", "sibling", "unrelated"},
    "nhscb_admin": {"own"}, "sha_admin": {"own"}, "pct_admin": {"own"},
    "supplier_admin": {"own"},
    "doh_dg_commissioning": set(), "nhscb_analyst": set(), "sha_assessor": set(),
    "pct_commissioner": set(), "supplier_bidder": set(),
}
GRANTABLE = {"DOH": "doh_dg_commissioning", "NHSCB": "nhscb_analyst", "CCG": "ccg_commissioner",
             "SHA": "sha_assessor", "PCT": "pct_commissioner", "SUPPLIER": "supplier_bidder"}
DENIED = {403, 404}

Call = Callable[[httpx.AsyncClient, Organisation, User, dict[str, str]],
                Awaitable[httpx.Response]]


async def create_user(c: httpx.AsyncClient, org: Organisation, _: User,
                      headers: dict[str, str]) -> httpx.Response:
    return await c.post("/users", headers=headers, json={
        "username": f"new.{uuid.uuid4().hex[:8]}", "display_name": "New", "password": PASSWORD,
        "organisation_id": org.id, "roles": [GRANTABLE[org.type]]})


async def list_users(c: httpx.AsyncClient, org: Organisation, _: User,
                     headers: dict[str, str]) -> httpx.Response:
    return await c.get("/users", params={"organisation_id": org.id}, headers=headers)


async def read_user(c: httpx.AsyncClient, _: Organisation, user: User,
                    headers: dict[str, str]) -> httpx.Response:
    return await c.get(f"/users/{user.id}", headers=headers)


async def change_roles(c: httpx.AsyncClient, org: Organisation, user: User,
                       headers: dict[str, str]) -> httpx.Response:
    return await c.put(f"/users/{user.id}/roles", headers=headers,
                       json={"roles": [GRANTABLE[org.type]]})


async def disable_user(c: httpx.AsyncClient, _: Organisation, user: User,
                       headers: dict[str, str]) -> httpx.Response:
    return await c.post(f"/users/{user.id}/disable", headers=headers)


async def create_service_account(c: httpx.AsyncClient, org: Organisation, _: User,
                                 headers: dict[str, str]) -> httpx.Response:
    return await c.post("/service-accounts", headers=headers,
                        json={"display_name": "feed", "organisation_id": org.id})


USER_ENDPOINTS: list[Call] = [create_user, list_users, read_user, change_roles, disable_user,
                              create_service_account]
WRITES = {create_user, change_roles, disable_user, create_service_account}
TABLE = [pytest.param(call, role, relation, relation in MANAGES[role],
                      id=f"{call.__name__}-{role}-{relation}")
         for call in USER_ENDPOINTS for role, home in HOME.items() for relation in RELATIVES[home]]


@pytest.mark.parametrize(("call", "role", "relation", "allowed"), TABLE)
async def test_user_endpoints(identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory,
                              call: Call, role: str, relation: str, allowed: bool) -> None:
    home: Organisation = getattr(orgs, HOME[role])
    target_org: Organisation = getattr(orgs, RELATIVES[HOME[role]][relation])
    target = await add_user(identity.session, target_org)
    response = await call(identity.client, target_org, target, bearer(tokens, home, role))
    if allowed:
        assert response.status_code in (200, 201), response.text
        return
    assert response.status_code in DENIED, response.text
    if call in WRITES:
        assert await count(identity.session, User) == 1
        assert await count(identity.session, AuditEvent) == 0
        assert await outbox_types(identity.session) == []


async def register_organisation(c: httpx.AsyncClient, orgs: Orgs,
                                headers: dict[str, str]) -> httpx.Response:
    return await c.post("/organisations", headers=headers, json={
        "code": "TNEW1", "name": "New supplier", "type": "SUPPLIER", "valid_from": "2007-10-05"})


async def update_organisation(c: httpx.AsyncClient, orgs: Orgs,
                              headers: dict[str, str]) -> httpx.Response:
    return await c.patch(f"/organisations/{orgs.supplier.id}", headers=headers,
                         json={"name": "Renamed supplier"})


async def list_organisations(c: httpx.AsyncClient, orgs: Orgs,
                             headers: dict[str, str]) -> httpx.Response:
    return await c.get("/organisations", headers=headers)


async def organisation_history(c: httpx.AsyncClient, orgs: Orgs,
                               headers: dict[str, str]) -> httpx.Response:
    return await c.get(f"/organisations/{orgs.pct.id}/history", headers=headers)


async def audit_log(c: httpx.AsyncClient, orgs: Orgs,
                    headers: dict[str, str]) -> httpx.Response:
    return await c.get("/audit", headers=headers)


EVERYONE = set(HOME)
# endpoint -> the roles allowed (wherever the caller's organisation sits)
OTHER_ENDPOINTS: dict[Callable[..., Awaitable[httpx.Response]], set[str]] = {
    list_organisations: EVERYONE, organisation_history: EVERYONE,
    register_organisation: {"doh_admin"}, update_organisation: {"doh_admin"},
    audit_log: {"doh_admin"},
}
OTHER_TABLE = [pytest.param(call, role, role in allowed, id=f"{call.__name__}-{role}")
               for call, allowed in OTHER_ENDPOINTS.items() for role in HOME]


@pytest.mark.parametrize(("call", "role", "allowed"), OTHER_TABLE)
async def test_organisation_and_audit_endpoints(identity: ServiceHarness, orgs: Orgs,
                                                tokens: TokenFactory, call: Any, role: str,
                                                allowed: bool) -> None:
    response = await call(identity.client, orgs, bearer(tokens, getattr(orgs, HOME[role]), role))
    assert (response.status_code in (200, 201)) is allowed, response.text
    if not allowed:
        assert response.status_code == 403
        assert await outbox_types(identity.session) == []


@pytest.mark.parametrize("call", USER_ENDPOINTS, ids=[c.__name__ for c in USER_ENDPOINTS])
async def test_without_a_token_every_user_endpoint_answers_401(
        identity: ServiceHarness, orgs: Orgs, call: Call) -> None:
    target = await add_user(identity.session, orgs.pct)
    response = await call(identity.client, orgs.pct, target, {})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
