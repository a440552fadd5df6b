"""The password grant: the token's claims, identical refusals, lockout and rate limiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update

from services.identity.user.models import User
from shared.auth import TokenVerifier
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import OpenApp, Orgs
from tests.identity.helpers import (
    add_org,
    add_user,
    audit_kinds,
    bearer,
    claims_of,
    is_problem,
    password_login,
)

CLAIMS = {"iss", "aud", "sub", "exp", "iat", "nbf", "jti", "org_id", "org_type", "roles", "typ"}


def refusal(response: httpx.Response) -> tuple[object, ...]:
    """Everything a caller can compare between two refusals (not the correlation id)."""
    body = response.json()
    return (response.status_code, response.headers["content-type"],
            response.headers.get("www-authenticate"), body["type"], body["title"],
            body["detail"], body["error"], sorted(body))


class TestAccessToken:
    async def test_carries_the_documented_claims_for_the_requested_service(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        response = await identity.client.post(
            "/token", json=password_login(user.username, audience="assurance"))
        body = response.json()
        claims = claims_of(identity.app, body["access_token"])
        assert set(claims) == CLAIMS
        assert (claims["aud"], claims["sub"], claims["org_id"], claims["org_type"]) == (
            "assurance", user.id, orgs.pct.id, "PCT")
        assert (claims["roles"], claims["typ"], claims["exp"] - claims["iat"]) == (
            ["pct_commissioner"], "access", 900)
        assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
        assert response.headers["cache-control"] == "no-store"

    async def test_the_audience_service_accepts_it(self, identity: ServiceHarness,
                                                    orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.sha, "sha_assessor")
        token = (await identity.client.post(
            "/token", json=password_login(user.username, audience="procurement"))).json()
        verifier = TokenVerifier(identity.app.state.keys, audience="procurement",
                                 issuer=identity.settings().token_issuer)
        principal = await verifier.verify(token["access_token"])
        assert (principal.subject, principal.roles) == (user.id, frozenset({"sha_assessor"}))

    async def test_a_form_encoded_request_works_as_oauth_clients_send_it(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        response = await identity.client.post("/token", data=password_login(user.username))
        assert response.status_code == 200
        assert response.json()["refresh_token"]

    async def test_roles_that_do_not_fit_the_organisation_are_left_out(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner", "doh_admin")
        token = (await identity.client.post("/token",
                                            json=password_login(user.username))).json()
        assert claims_of(identity.app, token["access_token"])["roles"] == ["pct_commissioner"]

    async def test_the_username_is_not_case_sensitive(self, identity: ServiceHarness,
                                                       orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct, username="j.bloggs")
        response = await identity.client.post("/token", json=password_login("J.Bloggs"))
        assert claims_of(identity.app, response.json()["access_token"])["sub"] == user.id


class TestRefusals:
    async def test_unknown_user_wrong_password_and_disabled_user_answer_alike(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        disabled = await add_user(identity.session, orgs.pct)
        disabled.disabled_at = datetime.now(UTC)
        await identity.session.flush()
        answers = [refusal(await identity.client.post("/token", json=body)) for body in (
            password_login(user.username, "wrong password!"), password_login("nobody.here"),
            password_login(disabled.username))]
        assert answers[0][0] == 401 and answers[0][5] == "invalid username or password"
        assert answers[1] == answers[0] and answers[2] == answers[0]

    async def test_a_service_account_cannot_use_the_password_grant(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        robot = await add_user(identity.session, orgs.pct, "service", kind="service",
                               client_id="svc-1")
        response = await identity.client.post("/token", json=password_login(robot.username))
        assert is_problem(response, 401)

    async def test_each_refusal_is_audited_with_its_real_reason(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct)
        await identity.client.post("/token", json=password_login(user.username, "nope nope"))
        await identity.client.post("/token", json=password_login("nobody.here"))
        page = (await identity.client.get(
            "/audit", headers=bearer(tokens, orgs.doh, "doh_admin"))).json()
        reasons = [(e["kind"], e["details"]["reason"], e["subject"]) for e in page["items"]]
        assert reasons == [("login.failed", "unknown_account", None),
                           ("login.failed", "bad_secret", user.id)]


class TestLockout:
    async def test_locks_after_five_failures_and_then_refuses_the_right_password_alike(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        wrong = [await identity.client.post("/token", json=password_login(user.username, "x"))
                 for _ in range(5)]
        right = await identity.client.post("/token", json=password_login(user.username))
        assert refusal(right) == refusal(wrong[0])
        assert (await audit_kinds(identity.session)).count("login.locked") == 1

    async def test_the_lock_ends_after_the_period(self, identity: ServiceHarness,
                                                   orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        for _ in range(5):
            await identity.client.post("/token", json=password_login(user.username, "x"))
        await identity.session.execute(update(User).where(User.id == user.id).values(
            locked_until=datetime.now(UTC) - timedelta(seconds=1)))
        response = await identity.client.post("/token", json=password_login(user.username))
        assert response.status_code == 200

    async def test_a_success_resets_the_count(self, identity: ServiceHarness,
                                              orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        for attempt in [*["x"] * 4, None, *["x"] * 4]:
            await identity.client.post("/token", json=password_login(
                user.username, *([attempt] if attempt else [])))
        response = await identity.client.post("/token", json=password_login(user.username))
        assert response.status_code == 200

    async def test_threshold_and_period_are_settings(self, open_identity: OpenApp) -> None:
        async with open_identity(lockout_threshold=2, lockout_seconds=60) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            for _ in range(2):
                await h.client.post("/token", json=password_login(user.username, "x"))
            await h.session.refresh(user)
            assert user.locked_until is not None
            left = user.locked_until.replace(tzinfo=UTC) - datetime.now(UTC)
            assert timedelta(seconds=55) < left <= timedelta(seconds=60)

