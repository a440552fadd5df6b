"""Minting real access tokens for tests with the identity service's signing code."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc.jwk import KeySet

from services.identity.token.keys import SigningKeyPair
from shared.auth import ACCESS_TOKEN_TYPE, Principal

DEFAULT_ISSUER = "urn:nhs-commissioning:identity"


class TokenFactory:
    """Signs access tokens for any role and organisation with a test key pair."""

    def __init__(self, issuer: str = DEFAULT_ISSUER) -> None:
        self.issuer = issuer
        self.pair = SigningKeyPair.generate()

    def key_set(self) -> KeySet:
        return self.pair.public_key_set()

    def claims(self, *, org_id: str, org_type: str, roles: Iterable[str], audience: str,
               subject: str | None = None, ttl: int = 300, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": audience, "sub": subject or f"user:{uuid.uuid4()}",
            "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex,
            "org_id": org_id, "org_type": org_type, "roles": sorted(roles),
            "typ": ACCESS_TOKEN_TYPE,
        }
        claims.update(extra)
        return claims

    def mint(self, *, org_id: str, org_type: str, roles: Iterable[str], audience: str,
             subject: str | None = None, ttl: int = 300, **extra: Any) -> str:
        return self.pair.sign(self.claims(org_id=org_id, org_type=org_type, roles=roles,
                                          audience=audience, subject=subject, ttl=ttl, **extra))

    def headers(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint(**kwargs)}"}

    def principal(self, *, org_id: str, org_type: str, roles: Iterable[str]) -> Principal:
        return Principal(subject=f"user:{uuid.uuid4()}", org_id=org_id, org_type=org_type,
                         roles=frozenset(roles), token_id=uuid.uuid4().hex,
                         expires_at=int(time.time()) + 300)


class _Jwks(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None:
        return


@contextmanager
def serve_jwks(tokens: TokenFactory) -> Iterator[str]:
    """Serves the factory's public keys, as identity's JWKS would, from a thread; its base URL
    (what a service process takes as its `identity_url`)."""
    handler = type("Jwks", (_Jwks,), {
        "body": json.dumps(tokens.key_set().as_dict(private=False)).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
