"""Refresh tokens: rotation, reuse detection, logout, expiry and disabled users."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from services.identity.token import repository
from services.identity.token.models import RefreshToken
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import (
    add_user,
    audit_kinds,
    bearer,
    claims_of,
    is_problem,
    outbox_payloads,
    password_login,
)


async def sign_in(identity: ServiceHarness, username: str) -> dict[str, str]:
    response = await identity.client.post("/token", json=password_login(username))
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def use(identity: ServiceHarness, refresh_token: str, **extra: str) -> httpx.Response:
    return await identity.client.post("/token", json={
        "grant_type": "refresh_token", "refresh_token": refresh_token, **extra})


class TestRotation:
    async def test_a_refresh_token_buys_new_tokens_and_a_new_refresh_token(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        first = await sign_in(identity, user.username)
        second = (await use(identity, first["refresh_token"])).json()
        assert second["refresh_token"] != first["refresh_token"]
        assert claims_of(identity.app, second["access_token"])["sub"] == user.id

    async def test_only_the_sha256_of_a_refresh_token_is_stored(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        raw = (await sign_in(identity, user.username))["refresh_token"]
        (row,) = (await identity.session.scalars(select(RefreshToken))).all()
        assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in str([getattr(row, c.key) for c in RefreshToken.__table__.columns])

    async def test_keeps_the_audience_unless_another_is_asked_for(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        first = await sign_in(identity, user.username)
        second = (await use(identity, first["refresh_token"])).json()
        third = (await use(identity, second["refresh_token"], audience="market")).json()
        assert claims_of(identity.app, second["access_token"])["aud"] == "identity"
        assert claims_of(identity.app, third["access_token"])["aud"] == "market"

    async def test_new_roles_take_effect_at_the_next_refresh(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        first = await sign_in(identity, user.username)
        await identity.client.put(f"/users/{user.id}/roles", json={"roles": ["pct_admin"]},
                                  headers=bearer(tokens, orgs.pct, "pct_admin"))
        second = (await use(identity, first["refresh_token"])).json()
        assert claims_of(identity.app, second["access_token"])["roles"] == ["pct_admin"]


class TestSingleUse:
    async def test_of_two_claims_on_one_token_only_the_first_wins(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        await sign_in(identity, user.username)
        row = await identity.session.scalar(select(RefreshToken))
        assert row is not None
        now = datetime.now(UTC)
        claims = [await repository.claim(identity.session, row.id, now) for _ in range(2)]
        assert claims == [True, False]


class TestReuse:
    async def test_reusing_a_spent_token_revokes_the_whole_family(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        first = await sign_in(identity, user.username)
        second = (await use(identity, first["refresh_token"])).json()
        replay = await use(identity, first["refresh_token"])
        after = await use(identity, second["refresh_token"])
        assert is_problem(replay, 401) and replay.json()["error"] == "invalid_grant"
        assert is_problem(after, 401)

    async def test_reuse_is_audited_and_the_revocation_published(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        first = await sign_in(identity, user.username)
        await use(identity, first["refresh_token"])
        await use(identity, first["refresh_token"])
        assert "token.refresh_reused" in await audit_kinds(identity.session)
        (event,) = await outbox_payloads(identity.session)
        assert event["type"] == "identity.session.revoked.v1"
        assert (event["subject"], event["data"]["reason"]) == (user.id, "refresh_reuse")


class TestLogout:
    async def test_logout_ends_the_session(self, identity: ServiceHarness, orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        first = await sign_in(identity, user.username)
        response = await identity.client.post("/logout",
                                              json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 204
        assert is_problem(await use(identity, first["refresh_token"]), 401)
        (event,) = await outbox_payloads(identity.session)
        assert event["data"]["reason"] == "logout"

    async def test_an_unknown_token_is_accepted_and_changes_nothing(
            self, identity: ServiceHarness, orgs: Orgs) -> None:
        response = await identity.client.post("/logout", json={"refresh_token": "made-up"})
        assert response.status_code == 204
        assert await outbox_payloads(identity.session) == []
        assert await audit_kinds(identity.session) == []


class TestRefusedRefresh:
    async def test_an_expired_refresh_token_is_refused(self, identity: ServiceHarness,
                                                        orgs: Orgs) -> None:
        user = await add_user(identity.session, orgs.pct)
        first = await sign_in(identity, user.username)
        await identity.session.execute(update(RefreshToken).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        assert is_problem(await use(identity, first["refresh_token"]), 401)

    async def test_a_disabled_user_cannot_refresh(self, identity: ServiceHarness, orgs: Orgs,
                                                  tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct)
        first = await sign_in(identity, user.username)
        await identity.client.post(f"/users/{user.id}/disable",
                                   headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert is_problem(await use(identity, first["refresh_token"]), 401)

    async def test_an_unknown_refresh_token_is_refused(self, identity: ServiceHarness) -> None:
        response = await use(identity, "x" * 43)
        assert is_problem(response, 401)
        assert response.json()["detail"] == "the refresh token is invalid, expired or revoked"
