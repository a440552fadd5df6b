"""The JWKS, the discovery document and signing-key rotation picked up without a restart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from services.identity.app import own_verifier
from services.identity.audit.models import AuditEvent
from services.identity.token.keys import rotate_key
from shared.auth import TokenVerifier
from shared.errors import Unauthorized
from shared.testing.plugin import ServiceHarness
from tests.identity.conftest import OpenApp
from tests.identity.helpers import add_org, add_user, password_login


async def sign_in(h: ServiceHarness, username: str) -> str:
    response = await h.client.post("/token", json=password_login(username))
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def verifier(h: ServiceHarness) -> TokenVerifier:
    """The verifier identity itself uses (the test harness swaps in a more lenient one)."""
    return own_verifier(h.app.state.keys, h.settings())


async def published(h: ServiceHarness) -> list[str]:
    return [key["kid"] for key in (await h.client.get("/.well-known/jwks.json")).json()["keys"]]


class TestJwks:
    async def test_publishes_public_rsa_keys_only(self, identity: ServiceHarness) -> None:
        response = await identity.client.get("/.well-known/jwks.json")
        (key,) = response.json()["keys"]
        assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
        assert {"n", "e", "kid"} <= set(key)
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
        assert key["kid"] == identity.app.state.keys.active_kid

    async def test_the_discovery_document_points_at_the_jwks_and_token_endpoint(
            self, identity: ServiceHarness) -> None:
        config = (await identity.client.get("/.well-known/openid-configuration")).json()
        assert config["issuer"] == identity.settings().token_issuer
        assert config["jwks_uri"] == "http://identity.test/.well-known/jwks.json"
        assert config["token_endpoint"] == "http://identity.test/token"
        assert config["grant_types_supported"] == [
            "password", "refresh_token", "client_credentials"]
        assert config["id_token_signing_alg_values_supported"] == ["RS256"]

    async def test_a_public_url_setting_wins_over_the_request(self,
                                                               open_identity: OpenApp) -> None:
        async with open_identity(public_url="https://identity.nhs.example/") as h:
            config = (await h.client.get("/.well-known/openid-configuration")).json()
        assert config["jwks_uri"] == "https://identity.nhs.example/.well-known/jwks.json"


class TestRotation:
    async def test_a_rotated_key_is_picked_up_and_old_tokens_still_verify(
            self, open_identity: OpenApp) -> None:
        async with open_identity(signing_key_reload_seconds=0) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            old_kid, old_token = h.app.state.keys.active_kid, await sign_in(h, user.username)
            new = await rotate_key(h.session, publish_for=timedelta(hours=1), actor="test")
            await h.session.flush()
            new_token = await sign_in(h, user.username)
            assert sorted(await published(h)) == sorted([old_kid, new.kid])
            assert h.app.state.keys.active_kid == new.kid
            for token in (old_token, new_token):
                assert (await verifier(h).verify(token)).subject == user.id

    async def test_once_the_old_key_is_unpublished_its_tokens_fail(
            self, open_identity: OpenApp) -> None:
        async with open_identity(signing_key_reload_seconds=0) as h:
            user = await add_user(h.session, await add_org(h.session, "T5NT", "PCT"))
            old_token = await sign_in(h, user.username)
            new = await rotate_key(h.session, publish_for=timedelta(0), actor="test")
            await h.session.flush()
            assert await published(h) == [new.kid]
            with pytest.raises(Unauthorized, match="unknown signing key"):
                await verifier(h).verify(old_token)

    async def test_keys_are_reloaded_only_when_older_than_the_setting(
            self, open_identity: OpenApp) -> None:
        async with open_identity(signing_key_reload_seconds=3600) as h:
            before = await published(h)
            await rotate_key(h.session, publish_for=timedelta(hours=1), actor="test")
            await h.session.flush()
            assert await published(h) == before

    async def test_rotation_is_audited_by_key_id_only(self, identity: ServiceHarness) -> None:
        new = await rotate_key(identity.session, publish_for=timedelta(hours=1), actor="ops")
        await identity.session.flush()
        event = await identity.session.scalar(select(AuditEvent))
        assert event is not None
        assert (event.kind, event.actor, event.subject) == ("key.rotated", "ops", new.kid)
        assert "PRIVATE KEY" not in str(event.details)
