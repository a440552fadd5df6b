"""The market service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.market import models  # noqa: F401 - every table on the metadata
from services.market.calibration.routes import router as calibration_router
from services.market.calibration.service import ScoreCache
from services.market.config import Settings
from services.market.run.result_routes import router as result_router
from services.market.run.routes import router as run_router
from services.market.scenario.routes import router as scenario_router
from shared.app import build_app
from shared.auth import remote_verifier

DESCRIPTION = """Simulation of the commissioning-support market: scenarios, runs, Monte Carlo,
calibration.

A run is a job: `POST /runs` stores it (`queued`) and queues it through Kafka; a market worker
executes it (`running`, with progress and ETA) and stores the results (`completed`, `failed` or
`cancelled`). NHS CB and DoH run and see everything; SHAs and CCGs see published runs.
Errors are `application/problem+json`. The model is described in docs/market-model.md."""

ROUTERS = (scenario_router, run_router, result_router, calibration_router)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Market service", description=DESCRIPTION, routers=ROUTERS)
    app.state.verifier = remote_verifier(identity_url=settings.identity_url,
                                         issuer=settings.token_issuer, audience="market")
    app.state.calibration_scores = ScoreCache()
    return app
