"""The assurance service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.assurance.config import Settings
from shared.app import build_app
from shared.auth import remote_verifier

DESCRIPTION = (
    "World Class Commissioning assurance: frameworks, cycles, assessments, ratings, "
    "earned autonomy."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Assurance service", description=DESCRIPTION)
    app.state.verifier = remote_verifier(identity_url=settings.identity_url,
                                         issuer=settings.token_issuer, audience="assurance")
    return app
