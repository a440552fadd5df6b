"""The identity service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.identity.config import Settings
from services.identity.organisation.routes import router as organisation_router
from services.identity.token.keys import KeyStore
from shared.app import build_app
from shared.auth import StaticKeys, TokenVerifier

DESCRIPTION = """Organisations, users, roles and tokens for the NHS commissioning platform.
Other services verify this service's access tokens against `/.well-known/jwks.json`."""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Identity service", description=DESCRIPTION,
                    routers=[organisation_router], on_startup=[_load_keys])
    keys = app.state.keys = KeyStore(app.state.sessionmaker)
    app.state.verifier = TokenVerifier(StaticKeys(keys.public_key_set),
                                       issuer=settings.token_issuer, audience="identity")
    return app


async def _load_keys(app: FastAPI) -> None:
    await app.state.keys.load()
