"""What every service's `create_app` shares: engine, errors, middleware, probes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from shared.config import BaseServiceSettings
from shared.db import create_engine, create_read_sessionmaker, create_sessionmaker
from shared.errors import ProblemDetails, install_error_handlers
from shared.health import router as health_router
from shared.logging import configure_logging
from shared.metrics import HttpMetricsMiddleware, Metrics, outbox_probe, request_duration
from shared.metrics import router as metrics_router
from shared.middleware import BodyLimitMiddleware, CorrelationIdMiddleware


def build_app(settings: BaseServiceSettings, *, title: str, description: str,
              routers: Sequence[APIRouter] = (), version: str = "0.1.0",
              on_startup: Sequence[Callable[[FastAPI], Awaitable[None]]] = ()) -> FastAPI:
    """A FastAPI app wired with the service's database, problem+json errors and probes."""
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    # Every connection the API may open is kept (no overflow): see create_engine.
    engine = create_engine(settings.resolved_database_url(), pool_size=settings.db_pool_size,
                           max_overflow=0)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for step in on_startup:
            await step(app)
        yield
        await engine.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.read_sessionmaker = create_read_sessionmaker(engine)
    app.state.metrics = metrics = Metrics(settings.service_name)
    metrics.on_scrape("outbox", outbox_probe(metrics))
    install_error_handlers(app)
    _document_problem_schema(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    for router in routers:
        app.include_router(router)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["*"], allow_headers=["*"],
                           expose_headers=["x-correlation-id"])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(HttpMetricsMiddleware, duration=request_duration(metrics),  # outermost
                       service=settings.service_name)
    return app


def _document_problem_schema(app: FastAPI) -> None:
    """Add the ProblemDetails schema that every declared error response refers to."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}"))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
