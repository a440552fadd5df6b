"""Who may call which identity endpoint: each role against each organisation relation.

Rule under test: a DoH administrator manages every organisation's users; any other
administrator (a role with `admin: true`) manages only its own organisation's; no other role
manages users. Organisations: any signed-in user reads them, only DoH administrators change
them. The audit log is for DoH administrators.

Denials answer exactly as docs/roles.md says: a user out of the caller's reach is not
disclosed (404) when it is named by id (`GET /users/{id}`, changing roles, disabling); an
action the caller's roles never allow, or one aimed at another organisation (creating users or
service accounts there, listing its users), is 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import fields

import httpx
import pytest

from services.identity.audit.models import AuditEvent
from services.identity.organisation.models import Organisation
from services.identity.user.models import User
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import PASSWORD, add_user, bearer, count, is_problem, outbox_types

# role -> the organisation (attribute of Orgs) its holder belongs to
HOME = {
    "doh_admin": "doh", "doh_dg_commissioning": "doh", "nhscb_admin": "nhscb",
    "nhscb_analyst": "nhscb", "sha_admin": "sha", "sha_assessor": "sha", "pct_admin": "pct",
    "pct_commissioner": "pct", "ccg_admin": "ccg", "ccg_commissioner": "ccg",
    "csu_admin": "csu", "supplier_admin": "supplier", "supplier_bidder": "supplier",
    "service": "sha",  # a service account of an SHA (say, a dashboard feed)
}
# home -> relation -> the organisation the target belongs to (siblings share a parent)
RELATIVES = {
    "doh": {"own": "doh", "child": "sha", "unrelated": "supplier"},
    "nhscb": {"own": "nhscb", "child": "ccg", "sibling": "sha", "unrelated": "supplier"},
    "sha": {"own": "sha", "child": "pct", "sibling": "other_sha", "unrelated": "far_pct"},
    "pct": {"own": "pct", "sibling": "sibling_pct", "unrelated": "far_pct"},
    "ccg": {"own": "ccg", "sibling": "csu", "unrelated": "pct"},
    "csu": {"own": "csu", "sibling": "ccg", "unrelated": "far_pct"},
    "supplier": {"own": "supplier", "sibling": "other_supplier", "unrelated": "pct"},
}
# role -> relations in which it may manage users (the table under test)
MANAGES = {
    "doh_admin": {"own", "child", "sibling", "unrelated"},
    "nhscb_admin": {"own"}, "sha_admin": {"own"}, "pct_admin": {"own"}, "ccg_admin": {"own"},
    "csu_admin": {"own"}, "supplier_admin": {"own"},
    "doh_dg_commissioning": set(), "nhscb_analyst": set(), "sha_assessor": set(),
    "pct_commissioner": set(), "ccg_commissioner": set(), "supplier_bidder": set(),
    "service": set(),
}
GRANTABLE = {"DOH": "doh_dg_commissioning", "NHSCB": "nhscb_analyst", "CCG": "ccg_commissioner",
             "CSU": "csu_admin", "SHA": "sha_assessor", "PCT": "pct_commissioner",
             "SUPPLIER": "supplier_bidder"}

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
# endpoint -> the status of a denial: (to a role that is no administrator, to an administrator
# whose reach does not extend to the target). Users named by id are not disclosed (404).
DENIAL: dict[Call, tuple[int, int]] = {
    create_user: (403, 403), list_users: (403, 403), read_user: (404, 404),
    change_roles: (403, 404), disable_user: (403, 404), create_service_account: (403, 403),
}
ADMINS = {role for role, relations in MANAGES.items() if relations}


def user_denial(call: Call, role: str) -> int:
    return DENIAL[call][role in ADMINS]


TABLE = [pytest.param(call, role, relation,
                      200 if relation in MANAGES[role] else user_denial(call, role),
                      id=f"{call.__name__}-{role}-{relation}")
         for call in USER_ENDPOINTS for role, home in HOME.items() for relation in RELATIVES[home]]


@pytest.mark.parametrize(("call", "role", "relation", "expected"), TABLE)
async def test_user_endpoints(identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory,
                              call: Call, role: str, relation: str, expected: int) -> None:
    home: Organisation = getattr(orgs, HOME[role])
    target_org: Organisation = getattr(orgs, RELATIVES[HOME[role]][relation])
    target = await add_user(identity.session, target_org)
    response = await call(identity.client, target_org, target, bearer(tokens, home, role))
    if expected == 200:
        assert response.status_code in (200, 201), response.text
        return
    assert is_problem(response, expected), response.text
    if call in WRITES:
        assert await count(identity.session, User) == 1
        assert await count(identity.session, AuditEvent) == 0
        assert await outbox_types(identity.session) == []


async def register_organisation(c: httpx.AsyncClient, _: Organisation,
                                headers: dict[str, str]) -> httpx.Response:
    return await c.post("/organisations", headers=headers, json={
        "code": "TNEW1", "name": "New supplier", "type": "SUPPLIER", "valid_from": "2007-10-05"})


async def list_organisations(c: httpx.AsyncClient, _: Organisation,
                             headers: dict[str, str]) -> httpx.Response:
    return await c.get("/organisations", headers=headers)


async def audit_log(c: httpx.AsyncClient, _: Organisation,
                    headers: dict[str, str]) -> httpx.Response:
    return await c.get("/audit", headers=headers)


async def read_organisation(c: httpx.AsyncClient, org: Organisation,
                            headers: dict[str, str]) -> httpx.Response:
    return await c.get(f"/organisations/{org.id}", headers=headers)


async def organisation_history(c: httpx.AsyncClient, org: Organisation,
                               headers: dict[str, str]) -> httpx.Response:
    return await c.get(f"/organisations/{org.id}/history", headers=headers)


async def update_organisation(c: httpx.AsyncClient, org: Organisation,
                              headers: dict[str, str]) -> httpx.Response:
    return await c.patch(f"/organisations/{org.id}", headers=headers,
                         json={"name": "Renamed organisation"})


EVERYONE = set(HOME)
OrgCall = Callable[[httpx.AsyncClient, Organisation, dict[str, str]],
                   Awaitable[httpx.Response]]
# endpoint -> the roles allowed, whatever the relation of the caller's organisation to the
# organisation concerned (the directory is not scoped); the others get 403.
ORGANISATION_ENDPOINTS: dict[OrgCall, set[str]] = {
    read_organisation: EVERYONE, organisation_history: EVERYONE,
    update_organisation: {"doh_admin"},
}
OTHER_ENDPOINTS: dict[OrgCall, set[str]] = {
    list_organisations: EVERYONE, register_organisation: {"doh_admin"},
    audit_log: {"doh_admin"},
}
ORGANISATION_TABLE = [
    pytest.param(call, role, relation, role in allowed, id=f"{call.__name__}-{role}-{relation}")
    for call, allowed in ORGANISATION_ENDPOINTS.items()
    for role, home in HOME.items() for relation in RELATIVES[home]]
OTHER_TABLE = [pytest.param(call, role, role in allowed, id=f"{call.__name__}-{role}")
               for call, allowed in OTHER_ENDPOINTS.items() for role in HOME]


@pytest.mark.parametrize(("call", "role", "relation", "allowed"), ORGANISATION_TABLE)
async def test_organisation_endpoints(identity: ServiceHarness, orgs: Orgs,
                                      tokens: TokenFactory, call: OrgCall, role: str,
                                      relation: str, allowed: bool) -> None:
    home: Organisation = getattr(orgs, HOME[role])
    target: Organisation = getattr(orgs, RELATIVES[HOME[role]][relation])
    response = await call(identity.client, target, bearer(tokens, home, role))
    if allowed:
        assert response.status_code == 200, response.text
        body = response.json()
        assert isinstance(body, list) if call is organisation_history else body["id"] == target.id
        return
    assert is_problem(response, 403), response.text
    stored = await identity.session.get(Organisation, target.id, populate_existing=True)
    assert stored is not None and (stored.name, stored.version) == (target.name, 1)
    assert await outbox_types(identity.session) == []


@pytest.mark.parametrize(("call", "role", "allowed"), OTHER_TABLE)
async def test_other_organisation_and_audit_endpoints(
        identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory, call: OrgCall, role: str,
        allowed: bool) -> None:
    home: Organisation = getattr(orgs, HOME[role])
    response = await call(identity.client, home, bearer(tokens, home, role))
    if allowed:
        assert response.status_code in (200, 201), response.text
        return
    assert is_problem(response, 403), response.text
    assert await count(identity.session, Organisation) == len(fields(Orgs))
    assert await outbox_types(identity.session) == []


@pytest.mark.parametrize("call", USER_ENDPOINTS, ids=[c.__name__ for c in USER_ENDPOINTS])
async def test_without_a_token_every_user_endpoint_answers_401(
        identity: ServiceHarness, orgs: Orgs, call: Call) -> None:
    target = await add_user(identity.session, orgs.pct)
    response = await call(identity.client, orgs.pct, target, {})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


ALL_ORG_CALLS = [*ORGANISATION_ENDPOINTS, *OTHER_ENDPOINTS]


@pytest.mark.parametrize("call", ALL_ORG_CALLS, ids=[c.__name__ for c in ALL_ORG_CALLS])
async def test_without_a_token_organisation_and_audit_endpoints_answer_401(
        identity: ServiceHarness, orgs: Orgs, call: OrgCall) -> None:
    response = await call(identity.client, orgs.pct, {})
    assert is_problem(response, 401)
    assert await outbox_types(identity.session) == []
