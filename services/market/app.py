"""The market service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.market.config import Settings
from shared.app import build_app
from shared.auth import remote_verifier

DESCRIPTION = (
    "Simulation of the commissioning-support market: scenarios, runs, Monte Carlo, calibration."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Market service", description=DESCRIPTION)
    app.state.verifier = remote_verifier(identity_url=settings.identity_url,
                                         issuer=settings.token_issuer, audience="market")
    return app
