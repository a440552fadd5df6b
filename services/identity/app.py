"""The identity service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.identity.audit.routes import router as audit_router
from services.identity.config import Settings
from services.identity.organisation.routes import router as organisation_router
from services.identity.token.keys import KeyStore
from services.identity.token.ratelimit import LoginLimits
from services.identity.token.routes import router as token_router
from services.identity.user.passwords import Passwords
from services.identity.user.routes import router as user_router
from shared.app import build_app
from shared.auth import TokenVerifier

DESCRIPTION = """Organisations, users, roles and tokens for the NHS commissioning platform.
Other services verify this service's access tokens against `/.well-known/jwks.json`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Identity service", description=DESCRIPTION,
                    routers=[token_router, organisation_router, user_router, audit_router],
                    on_startup=[_load_keys])
    keys = app.state.keys = KeyStore(app.state.sessionmaker,
                                     reload_after=settings.signing_key_reload_seconds)
    app.state.verifier = own_verifier(keys, settings)
    app.state.passwords = Passwords.from_settings(settings)
    app.state.login_limits = LoginLimits(per_account=settings.login_rate_limit,
                                         per_ip=settings.login_ip_rate_limit,
                                         window=settings.login_rate_window)
    return app


def own_verifier(keys: KeyStore, settings: Settings) -> TokenVerifier:
    """Identity checks tokens sent to it against its own KeyStore (no HTTP round trip)."""
    return TokenVerifier(keys, issuer=settings.token_issuer, audience="identity")


async def _load_keys(app: FastAPI) -> None:
    await app.state.keys.load()
