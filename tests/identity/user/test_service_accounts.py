"""Service accounts: created by an administrator, secret shown once, client-credentials grant."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.identity.audit.models import AuditEvent
from services.identity.user.models import User
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import add_user, bearer, claims_of, is_problem, password_login


async def create_account(identity: ServiceHarness, orgs: Orgs,
                         tokens: TokenFactory) -> dict[str, Any]:
    response = await identity.client.post(
        "/service-accounts", headers=bearer(tokens, orgs.sha, "sha_admin"),
        json={"display_name": "Q31 dashboard feed", "organisation_id": orgs.sha.id,
              "roles": ["sha_assessor"]})
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account


def client_credentials(account: dict[str, Any], secret: str | None = None) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": account["client_id"],
            "client_secret": secret or account["client_secret"], "audience": "assurance"}


class TestCreateServiceAccount:
    async def test_the_secret_is_shown_once_and_stored_hashed(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        account = await create_account(identity, orgs, tokens)
        assert account["kind"] == "service" and account["client_id"].startswith("svc-")
        assert account["roles"] == ["service", "sha_assessor"]
        again = await identity.client.get(f"/users/{account['id']}",
                                          headers=bearer(tokens, orgs.sha, "sha_admin"))
        assert "client_secret" not in again.json()
        stored = await identity.session.get(User, account["id"])
        assert stored is not None and stored.secret_hash.startswith("$argon2id$")
        assert account["client_secret"] not in stored.secret_hash

    async def test_only_administrators_create_them(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/service-accounts", headers=bearer(tokens, orgs.sha, "sha_assessor"),
            json={"display_name": "feed", "organisation_id": orgs.sha.id})
        assert is_problem(response, 403)


class TestClientCredentials:
    async def test_the_account_gets_an_access_token_and_no_refresh_token(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        account = await create_account(identity, orgs, tokens)
        response = await identity.client.post("/token", json=client_credentials(account))
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in"}
        claims = claims_of(identity.app, body["access_token"])
        assert (claims["sub"], claims["aud"], claims["org_id"], claims["roles"]) == (
            account["id"], "assurance", orgs.sha.id, ["service", "sha_assessor"])

    async def test_a_wrong_secret_is_refused_as_an_invalid_client(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        account = await create_account(identity, orgs, tokens)
        response = await identity.client.post("/token",
                                              json=client_credentials(account, "guess"))
        assert is_problem(response, 401)
        assert (response.json()["error"], response.json()["detail"]) == (
            "invalid_client", "invalid client credentials")

    async def test_a_disabled_service_account_is_refused_like_a_wrong_secret(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        account = await create_account(identity, orgs, tokens)
        assert (await identity.client.post(
            "/token", json=client_credentials(account))).status_code == 200
        disabled = await identity.client.post(f"/users/{account['id']}/disable",
                                              headers=bearer(tokens, orgs.sha, "sha_admin"))
        assert disabled.status_code == 200
        response = await identity.client.post("/token", json=client_credentials(account))
        assert is_problem(response, 401)
        assert (response.json()["error"], response.json()["detail"]) == (
            "invalid_client", "invalid client credentials")
        refusal = await identity.session.scalar(
            select(AuditEvent).where(AuditEvent.kind == "login.failed"))
        assert refusal is not None and refusal.subject == account["id"]
        assert refusal.details == {"grant": "client_credentials", "reason": "disabled"}

    async def test_a_person_cannot_use_client_credentials(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        person = await add_user(identity.session, orgs.sha, "sha_admin")
        response = await identity.client.post("/token", json={
            "grant_type": "client_credentials", "client_id": person.username,
            "client_secret": "correct horse battery staple", "audience": "identity"})
        assert is_problem(response, 401)

    async def test_the_service_account_cannot_use_the_password_grant(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        account = await create_account(identity, orgs, tokens)
        response = await identity.client.post("/token", json=password_login(
            account["username"], account["client_secret"]))
        assert is_problem(response, 401)
