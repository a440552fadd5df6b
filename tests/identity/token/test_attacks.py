"""Forged and misused tokens are refused with 401 problem+json; other libraries verify ours."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.identity.app import own_verifier
from services.identity.token.keys import SigningKeyPair
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import add_user, claims_of, is_problem, password_login


@dataclass
class Issued:
    """A genuine sign-in: its tokens, its claims and identity's signing keys."""

    access: str
    refresh: str
    claims: dict[str, Any]
    harness: ServiceHarness

    def resign(self, **changes: Any) -> str:
        return str(self.harness.app.state.keys.sign({**self.claims, **changes}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def alg_none(issued: Issued) -> str:
    kid = json.loads(base64.urlsafe_b64decode(issued.access.split(".")[0] + "=="))["kid"]
    return _segments({"alg": "none", "typ": "JWT", "kid": kid}, issued.claims) + "."


def hs256_with_the_public_key(issued: Issued) -> str:
    key = issued.harness.app.state.keys.public_key_set().keys[0]
    secret = key.as_pem(private=False)
    signing_input = _segments({"alg": "HS256", "typ": "JWT", "kid": key.kid}, issued.claims)
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def tampered_payload(issued: Issued) -> str:
    header, _payload, signature = issued.access.split(".")
    forged = {**issued.claims, "roles": ["doh_admin"]}
    return f"{header}.{_b64(json.dumps(forged).encode())}.{signature}"


def expired(issued: Issued) -> str:
    past = int(time.time()) - 3600
    return issued.resign(iat=past - 900, nbf=past - 900, exp=past)


def wrong_audience(issued: Issued) -> str:
    return issued.resign(aud="procurement")


def wrong_issuer(issued: Issued) -> str:
    return issued.resign(iss="https://evil.example/identity")


def refresh_as_access(issued: Issued) -> str:
    return issued.refresh


def unknown_kid(issued: Issued) -> str:
    return SigningKeyPair.generate().sign(issued.claims)


def wrong_type(issued: Issued) -> str:
    """Correctly signed by identity, but the token says it is a refresh token."""
    return issued.resign(typ="refresh")


def no_type(issued: Issued) -> str:
    return str(issued.harness.app.state.keys.sign(
        {k: v for k, v in issued.claims.items() if k != "typ"}))


ATTACKS: list[Callable[[Issued], str]] = [
    alg_none, hs256_with_the_public_key, tampered_payload, expired, wrong_audience,
    wrong_issuer, refresh_as_access, unknown_kid, wrong_type, no_type]


@pytest.fixture(params=["harness-verifier", "identity-keystore-verifier"])
async def issued(request: pytest.FixtureRequest, identity: ServiceHarness,
                 orgs: Orgs) -> Issued:
    """A genuine sign-in, checked either by the test harness's verifier (identity's keys plus
    the test token factory's) or by the verifier identity itself runs on its KeyStore."""
    if request.param == "identity-keystore-verifier":
        identity.app.state.verifier = own_verifier(identity.app.state.keys, identity.settings())
    user = await add_user(identity.session, orgs.pct, "pct_commissioner")
    body = (await identity.client.post("/token", json=password_login(user.username))).json()
    return Issued(body["access_token"], body["refresh_token"],
                  claims_of(identity.app, body["access_token"]), identity)


class TestForgedTokens:
    async def test_the_genuine_token_is_accepted(self, issued: Issued) -> None:
        response = await issued.harness.client.get(
            f"/users/{issued.claims['sub']}", headers={"Authorization": f"Bearer {issued.access}"})
        assert response.status_code == 200

    @pytest.mark.parametrize("attack", ATTACKS, ids=[a.__name__ for a in ATTACKS])
    async def test_is_refused_with_401_problem_json(self, issued: Issued,
                                                    attack: Callable[[Issued], str]) -> None:
        response = await issued.harness.client.get(
            f"/users/{issued.claims['sub']}",
            headers={"Authorization": f"Bearer {attack(issued)}"})
        assert is_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["detail"].startswith("token rejected")


class TestIdentitysOwnVerifier:
    async def test_trusts_only_the_keys_identity_published(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        # The harness's verifier also trusts the test token factory; identity's own must not.
        identity.app.state.verifier = own_verifier(identity.app.state.keys, identity.settings())
        forged = tokens.mint(org_id=orgs.doh.id, org_type="DOH", roles=["doh_admin"],
                             audience="identity")
        response = await identity.client.get("/audit",
                                             headers={"Authorization": f"Bearer {forged}"})
        assert is_problem(response, 401)
        assert response.json()["detail"] == "token rejected: unknown signing key"


class TestInteroperability:
    async def test_authlib_verifies_our_token_against_our_jwks(self, issued: Issued) -> None:
        JsonWebKey, JsonWebToken, _ = _authlib()
        jwks = (await issued.harness.client.get("/.well-known/jwks.json")).json()
        issuer = issued.harness.settings().token_issuer
        claims = JsonWebToken(["RS256"]).decode(
            issued.access, JsonWebKey.import_key_set(jwks), claims_options={
                "iss": {"essential": True, "value": issuer},
                "aud": {"essential": True, "value": "identity"}})
        claims.validate()
        assert (claims["sub"], claims["roles"]) == (issued.claims["sub"], ["pct_commissioner"])

    async def test_authlib_rejects_a_tampered_token(self, issued: Issued) -> None:
        JsonWebKey, JsonWebToken, BadSignatureError = _authlib()
        jwks = (await issued.harness.client.get("/.well-known/jwks.json")).json()
        with pytest.raises(BadSignatureError):
            JsonWebToken(["RS256"]).decode(tampered_payload(issued),
                                           JsonWebKey.import_key_set(jwks))


def _authlib() -> tuple[Any, Any, Any]:
    # authlib.jose is authlib's own JOSE implementation (deprecated in favour of joserfc, which
    # we use): exactly the independent second implementation an interoperability check wants.
    import authlib.deprecate  # noqa: F401 - it installs an "always" filter; ours goes on top

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from authlib.jose import JsonWebKey, JsonWebToken
        from authlib.jose.errors import BadSignatureError
    return JsonWebKey, JsonWebToken, BadSignatureError
