"""shared.auth's RemoteJWKS + TokenVerifier, as a consuming service runs them, against the real
identity service served over real HTTP (uvicorn on a local port, its own PostgreSQL database).

A consuming service (the small app below, wired like assurance, procurement and market) checks
identity's tokens against `/.well-known/jwks.json`: fetched once and cached, fetched again once
when a token names a key it does not know, never more often than `min_refresh`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import httpx
import pytest
import uvicorn
from fastapi import Depends, FastAPI

from services.identity.app import create_app
from services.identity.config import Settings
from services.identity.token.keys import SigningKeyPair, rotate_key
from shared.auth import Principal, RemoteJWKS, TokenVerifier, remote_verifier, require
from shared.db import create_engine, create_sessionmaker, session_scope
from shared.errors import install_error_handlers
from shared.testing.plugin import ServiceDatabases
from tests.identity.helpers import FAST_ARGON2, PASSWORD, add_org, add_user, password_login

JWKS_PATH = "/.well-known/jwks.json"


@dataclass
class JwksCounter:
    """ASGI wrapper around the identity app: counts the JWKS documents it serves."""

    app: Any
    fetches: int = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == JWKS_PATH:
            self.fetches += 1
        await self.app(scope, receive, send)


@dataclass
class LiveIdentity:
    """The identity service listening on 127.0.0.1, with one signed-up PCT commissioner."""

    settings: Settings
    counter: JwksCounter
    server: uvicorn.Server
    thread: threading.Thread
    url: str = ""
    username: str = ""
    user_id: str = ""
    org_id: str = ""
    stopped: bool = False

    @property
    def fetches(self) -> int:
        return self.counter.fetches

    async def sign_in(self) -> str:
        async with httpx.AsyncClient(base_url=self.url) as client:
            response = await client.post("/token", json=password_login(
                self.username, PASSWORD, audience="assurance"))
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def rotate(self) -> str:
        engine = create_engine(self.settings.resolved_database_url())
        async with session_scope(create_sessionmaker(engine)) as session:
            key = await rotate_key(session, publish_for=timedelta(hours=1), actor="test")
        await engine.dispose()
        return key.kid

    async def stop(self) -> None:
        if not self.stopped:
            self.server.should_exit = True
            await asyncio.to_thread(self.thread.join, 30)
            self.stopped = True


@asynccontextmanager
async def serving(databases: ServiceDatabases) -> AsyncIterator[LiveIdentity]:
    url = databases.fresh(f"jwks_{uuid.uuid4().hex[:8]}", "identity")
    settings = Settings.model_validate({
        "database_url": url, "kafka_bootstrap_servers": "127.0.0.1:9", "log_json": False,
        "signing_key_reload_seconds": 0, **FAST_ARGON2})
    counter = JwksCounter(create_app(settings))
    server = uvicorn.Server(uvicorn.Config(counter, host="127.0.0.1", port=0,
                                           log_level="warning", lifespan="on"))
    live = LiveIdentity(settings, counter, server, threading.Thread(target=server.run))
    live.thread.start()
    try:
        await _started(server)
        live.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        await _sign_up(live)
        yield live
    finally:
        await live.stop()


async def _started(server: uvicorn.Server, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        assert time.monotonic() < deadline, "identity did not start"
        await asyncio.sleep(0.02)


async def _sign_up(live: LiveIdentity) -> None:
    engine = create_engine(live.settings.resolved_database_url())
    async with session_scope(create_sessionmaker(engine)) as session:
        organisation = await add_org(session, "T5NT", "PCT")
        user = await add_user(session, organisation, "pct_commissioner")
        live.username, live.user_id, live.org_id = user.username, user.id, organisation.id
    await engine.dispose()


@pytest.fixture
async def identity_server(databases: ServiceDatabases) -> AsyncIterator[LiveIdentity]:
    async with serving(databases) as live:
        yield live


def verifier_for(live: LiveIdentity, **options: Any) -> TokenVerifier:
    jwks = RemoteJWKS(live.url + JWKS_PATH, **options)
    return TokenVerifier(jwks, issuer=live.settings.token_issuer, audience="assurance")


def consuming_service(verifier: TokenVerifier) -> FastAPI:
    """A service that, like assurance, lets in callers holding a valid identity token."""
    app = FastAPI()
    install_error_handlers(app)
    app.state.verifier = verifier

    @app.get("/whoami")
    async def whoami(caller: Annotated[Principal, Depends(require())]) -> dict[str, Any]:
        return {"sub": caller.subject, "org_id": caller.org_id, "roles": sorted(caller.roles)}

    return app


@asynccontextmanager
async def client_of(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://assurance.test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def kid_of(token: str) -> str:
    return str(json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"])


def forged_with_an_unknown_key(token: str) -> str:
    """The same claims, properly signed, by a key identity never published."""
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return SigningKeyPair.generate().sign(claims)


class TestVerifyingAgainstIdentity:
    async def test_a_consuming_service_lets_in_identitys_token_fetching_the_jwks_once(
            self, identity_server: LiveIdentity) -> None:
        verifier = remote_verifier(identity_url=identity_server.url + "/",
                                   issuer=identity_server.settings.token_issuer,
                                   audience="assurance")
        token = await identity_server.sign_in()
        async with client_of(consuming_service(verifier)) as client:
            answers = [await client.get("/whoami", headers=bearer(token)) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[0].json() == {"sub": identity_server.user_id,
                                     "org_id": identity_server.org_id,
                                     "roles": ["pct_commissioner"]}
        assert identity_server.fetches == 1

    async def test_a_token_for_another_service_is_refused(
            self, identity_server: LiveIdentity) -> None:
        verifier = TokenVerifier(RemoteJWKS(identity_server.url + JWKS_PATH),
                                 issuer=identity_server.settings.token_issuer,
                                 audience="procurement")
        async with client_of(consuming_service(verifier)) as client:
            response = await client.get("/whoami",
                                        headers=bearer(await identity_server.sign_in()))
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


class TestKeyRotation:
    async def test_a_token_signed_with_the_new_key_verifies_after_exactly_one_refetch(
            self, identity_server: LiveIdentity) -> None:
        verifier = verifier_for(identity_server, min_refresh=0.5)
        old_token = await identity_server.sign_in()
        await verifier.verify(old_token)
        assert identity_server.fetches == 1

        new_kid = await identity_server.rotate()
        new_token = await identity_server.sign_in()
        assert kid_of(new_token) == new_kid != kid_of(old_token)
        await asyncio.sleep(0.6)  # past min_refresh since the first fetch

        assert (await verifier.verify(new_token)).subject == identity_server.user_id
        assert identity_server.fetches == 2
        # The retired key is still published, so tokens it signed still verify; no more fetches.
        assert (await verifier.verify(old_token)).subject == identity_server.user_id
        await verifier.verify(new_token)
        assert identity_server.fetches == 2

    async def test_a_still_unknown_key_is_refused_without_a_second_refetch_within_min_refresh(
            self, identity_server: LiveIdentity) -> None:
        verifier = verifier_for(identity_server, min_refresh=1.5)
        genuine = await identity_server.sign_in()
        await verifier.verify(genuine)
        await asyncio.sleep(1.6)  # past min_refresh; the six requests below take far less
        forged = forged_with_an_unknown_key(genuine)
        async with client_of(consuming_service(verifier)) as client:
            first = await client.get("/whoami", headers=bearer(forged))
            assert identity_server.fetches == 2  # one refetch, in case identity had rotated
            again = [await client.get("/whoami", headers=bearer(forged)) for _ in range(5)]
        assert [r.status_code for r in (first, *again)] == [401] * 6
        assert first.json()["detail"] == "token rejected: unknown signing key"
        assert identity_server.fetches == 2  # within min_refresh: no further fetch

    async def test_within_min_refresh_of_the_first_fetch_an_unknown_key_fetches_nothing(
            self, identity_server: LiveIdentity) -> None:
        verifier = verifier_for(identity_server, min_refresh=60)
        genuine = await identity_server.sign_in()
        await verifier.verify(genuine)
        async with client_of(consuming_service(verifier)) as client:
            response = await client.get("/whoami",
                                        headers=bearer(forged_with_an_unknown_key(genuine)))
        assert response.status_code == 401
        assert identity_server.fetches == 1


class TestIdentityUnavailable:
    async def test_cached_keys_keep_verifying_while_identity_is_down(
            self, identity_server: LiveIdentity) -> None:
        verifier = verifier_for(identity_server, ttl=0.2, min_refresh=0.1, timeout=0.5,
                                attempts=1)
        token = await identity_server.sign_in()
        await verifier.verify(token)
        await identity_server.stop()
        await asyncio.sleep(0.25)  # the cache is now older than its ttl
        async with client_of(consuming_service(verifier)) as client:
            response = await client.get("/whoami", headers=bearer(token))
        assert response.status_code == 200
        assert response.json()["sub"] == identity_server.user_id

    async def test_with_no_keys_yet_an_unreachable_identity_means_401(
            self, identity_server: LiveIdentity) -> None:
        token = await identity_server.sign_in()
        await identity_server.stop()
        verifier = verifier_for(identity_server, timeout=0.5, attempts=2)
        async with client_of(consuming_service(verifier)) as client:
            response = await client.get("/whoami", headers=bearer(token))
        assert response.status_code == 401
        assert response.json()["detail"].startswith("signing keys unavailable")
