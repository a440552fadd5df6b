"""Bad input answers problem+json and changes nothing: no row, no event, no audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.identity.audit.models import AuditEvent
from services.identity.organisation.models import Organisation, OrganisationChange
from services.identity.token.models import RefreshToken
from services.identity.user.models import User
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import PASSWORD, add_user, bearer, count, is_problem, outbox_types

VALID_USER = {"username": "j.bloggs", "display_name": "Jo", "password": PASSWORD,
              "roles": ["pct_commissioner"]}
LOGIN = {"grant_type": "password", "username": "j.bloggs", "password": PASSWORD,
         "audience": "identity"}

# (method, path, JSON body or None, query) -> expected status; {org} and {user} are filled in.
CASES: list[Any] = [
    pytest.param("POST", "/users", {**VALID_USER, "is_superuser": True}, None, 422,
                 id="users-unknown-field"),
    pytest.param("POST", "/users", {**VALID_USER, "roles": "pct_commissioner"}, None, 422,
                 id="users-roles-not-a-list"),
    pytest.param("POST", "/users", {**VALID_USER, "password": "short"}, None, 422,
                 id="users-password-too-short"),
    pytest.param("POST", "/users", {**VALID_USER, "username": "Jo Bloggs!"}, None, 422,
                 id="users-username-malformed"),
    pytest.param("PUT", "/users/{user}/roles", {"roles": ["pct_admin"], "x": 1}, None, 422,
                 id="roles-unknown-field"),
    pytest.param("PUT", "/users/{user}/roles", {"roles": [1, 2]}, None, 422,
                 id="roles-wrong-type"),
    pytest.param("POST", "/service-accounts", {"display_name": "x", "client_secret": "mine"},
                 None, 422, id="service-account-chooses-its-secret"),
    pytest.param("POST", "/token", {**LOGIN, "remember_me": True}, None, 422,
                 id="token-unknown-field"),
    pytest.param("POST", "/token", {**LOGIN, "audience": "the-moon"}, None, 422,
                 id="token-unknown-audience"),
    pytest.param("POST", "/token", {**LOGIN, "grant_type": "implicit"}, None, 422,
                 id="token-unsupported-grant"),
    pytest.param("POST", "/token", {**LOGIN, "password": 12345}, None, 422,
                 id="token-password-wrong-type"),
    pytest.param("POST", "/logout", {"refresh_token": ["a"]}, None, 422, id="logout-wrong-type"),
    pytest.param("GET", "/users", None, {"limit": 501}, 422, id="users-page-too-large"),
    pytest.param("GET", "/audit", None, {"limit": 501}, 422, id="audit-page-too-large"),
    pytest.param("GET", "/users", None, {"offset": -1}, 422, id="users-negative-offset"),
    pytest.param("PATCH", "/organisations/{org}", {"name": "Renamed PCT", "type": "SHA"}, None,
                 422, id="organisation-unknown-field"),
    pytest.param("PATCH", "/organisations/{org}", {"name": "Renamed PCT", "valid_to": "soon"},
                 None, 422, id="organisation-date-wrong-type"),
    pytest.param("PATCH", "/organisations/{org}", {"name": 42}, None, 422,
                 id="organisation-name-wrong-type"),
    pytest.param("PATCH", "/organisations/{org}", ["name", "Renamed PCT"], None, 422,
                 id="organisation-body-not-an-object"),
    # Found by tests/hardening (Schemathesis): an explicit null was a 500 (NOT NULL column).
    pytest.param("PATCH", "/organisations/{org}", {"valid_from": None, "valid_to": None}, None,
                 422, id="organisation-valid-from-cleared"),
    pytest.param("PATCH", "/organisations/{org}", {"name": None}, None, 422,
                 id="organisation-name-cleared"),
    pytest.param("GET", "/organisations", None, {"limit": 501}, 422,
                 id="organisations-page-too-large"),
    pytest.param("GET", "/organisations", None, {"active_on": "31/03/2013"}, 422,
                 id="organisations-date-malformed"),
    pytest.param("GET", "/organisations", None, {"type": "HOSPITAL"}, 422,
                 id="organisations-unknown-type"),
]


async def footprint(identity: ServiceHarness) -> tuple[Any, ...]:
    session = identity.session
    organisations = (await session.execute(
        select(Organisation.code, Organisation.name, Organisation.type, Organisation.valid_to,
               Organisation.version).order_by(Organisation.code))).all()
    return (await count(session, User), await count(session, AuditEvent),
            await count(session, RefreshToken), await count(session, OrganisationChange),
            tuple(map(tuple, organisations)), tuple(await outbox_types(session)))


@pytest.fixture
async def world(identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> dict[str, Any]:
    user = await add_user(identity.session, orgs.pct, "pct_commissioner", username="j.bloggs")
    return {"org": orgs.pct.id, "user": user.id,
            "headers": bearer(tokens, orgs.doh, "doh_admin")}


@pytest.mark.parametrize(("method", "path", "body", "query", "status"), CASES)
async def test_is_refused_without_a_trace(identity: ServiceHarness, world: dict[str, Any],
                                          method: str, path: str, body: Any, query: Any,
                                          status: int) -> None:
    if isinstance(body, dict) and "display_name" in body:
        body = {**body, "organisation_id": world["org"]}
    before = await footprint(identity)
    response = await identity.client.request(
        method, path.format(**world), json=body, params=query, headers=world["headers"])
    assert is_problem(response, status), response.text
    assert response.json()["errors"]
    assert await footprint(identity) == before


class TestMalformedBodies:
    async def test_an_oversized_body_is_refused_with_413(self, identity: ServiceHarness,
                                                          world: dict[str, Any]) -> None:
        before = await footprint(identity)
        huge = {**VALID_USER, "organisation_id": world["org"], "display_name": "x" * 1_100_000}
        response = await identity.client.post("/users", json=huge, headers=world["headers"])
        assert is_problem(response, 413)
        assert await footprint(identity) == before

    async def test_malformed_json_at_the_token_endpoint_is_a_422(
            self, identity: ServiceHarness, world: dict[str, Any]) -> None:
        response = await identity.client.post(
            "/token", content=b'{"grant_type": "password",',
            headers={"content-type": "application/json"})
        assert is_problem(response, 422)

    async def test_an_unsupported_media_type_at_the_token_endpoint_is_a_415(
            self, identity: ServiceHarness, world: dict[str, Any]) -> None:
        response = await identity.client.post("/token", content=b"<grant/>",
                                               headers={"content-type": "application/xml"})
        assert is_problem(response, 415)

    async def test_a_field_error_names_the_field(self, identity: ServiceHarness,
                                                 world: dict[str, Any]) -> None:
        response = await identity.client.post("/token", data={**LOGIN, "audience": "moon"})
        assert is_problem(response, 422)
        assert response.json()["errors"][0]["loc"] == ["body", "password", "audience"]
