"""The assurance service's FastAPI application."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from services.assurance.assessment.routes import router as assessment_router
from services.assurance.autonomy.routes import router as autonomy_router
from services.assurance.calibration.routes import router as calibration_router
from services.assurance.config import Settings
from services.assurance.cycle.routes import router as cycle_router
from services.assurance.evidence.routes import router as evidence_router
from services.assurance.framework.routes import router as framework_router
from services.assurance.panel.routes import router as panel_router
from services.assurance.publication.routes import router as publication_router
from services.assurance.report.routes import router as report_router
from services.assurance.support.routes import router as support_router
from shared.app import build_app
from shared.auth import remote_verifier

DESCRIPTION = """World Class Commissioning assurance: frameworks, cycles, assessments, ratings,
earned autonomy, support needs and league tables.

Workflow of an assessment: `draft` -> `self_assessment_submitted` -> `panel` -> `panel_scored`
-> `regionally_calibrated` -> `nationally_calibrated` -> `published`. An action the current state
does not allow answers 409 with `current_state` and `allowed_transitions`. An assessment you may
not see answers 404."""

ROUTERS = (framework_router, cycle_router, assessment_router, panel_router, calibration_router,
           publication_router, evidence_router, autonomy_router, support_router, report_router)


async def _freeze_startup_objects(_app: FastAPI) -> None:
    # Modules, routes, schemas and reference data live as long as the process: leaving them
    # out of the cyclic GC's full collections keeps those pauses (tens of ms on a loaded
    # worker) out of the request latency tail (bench/assurance_bench.py).
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    startup = [_freeze_startup_objects] if settings.gc_freeze_after_startup else []
    app = build_app(settings, title="Assurance service", description=DESCRIPTION,
                    routers=ROUTERS, on_startup=startup)
    app.state.verifier = remote_verifier(identity_url=settings.identity_url,
                                         issuer=settings.token_issuer, audience="assurance")
    return app
