"""The procurement service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.procurement.config import Settings
from shared.app import build_app
from shared.auth import remote_verifier

DESCRIPTION = (
    "The FESC framework: lots, approved suppliers, call-offs, sign-off, contracts, payments, OCDS."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Procurement service", description=DESCRIPTION)
    app.state.verifier = remote_verifier(identity_url=settings.identity_url,
                                         issuer=settings.token_issuer, audience="procurement")
    return app
