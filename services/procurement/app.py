"""The procurement service's FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from services.procurement import models  # noqa: F401 - every table on the metadata
from services.procurement.bid.routes import router as bid_router
from services.procurement.call_off.clarification_routes import router as clarification_router
from services.procurement.call_off.routes import router as call_off_router
from services.procurement.clock import clock_for
from services.procurement.config import Settings
from services.procurement.contract.routes import router as contract_router
from services.procurement.framework.routes import router as framework_router
from services.procurement.ocds.routes import router as ocds_router
from services.procurement.payment.routes import router as payment_router
from services.procurement.recommendation.routes import router as recommendation_router
from services.procurement.reference import effective_framework
from services.procurement.request.routes import router as request_router
from services.procurement.signoff.routes import router as signoff_router
from services.procurement.supplier.routes import router as supplier_router
from shared.app import build_app
from shared.auth import remote_verifier

DESCRIPTION = """The FESC framework: approved suppliers, procurement requests and their sign-off,
call-off mini-competitions with sealed bids, contracts, payments, and OCDS open data.

Money is in whole pence. Times are UTC. Errors are `application/problem+json`."""

ROUTERS = (framework_router, supplier_router, request_router, signoff_router,
           recommendation_router, call_off_router, clarification_router, bid_router,
           contract_router, payment_router, ocds_router)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = build_app(settings, title="Procurement service", description=DESCRIPTION,
                    routers=ROUTERS)
    app.state.verifier = remote_verifier(identity_url=settings.identity_url,
                                         issuer=settings.token_issuer, audience="procurement")
    app.state.framework = effective_framework(settings)
    app.state.clock = clock_for(settings.clock_start)
    return app
