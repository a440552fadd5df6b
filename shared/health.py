"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from shared.auth import PUBLIC
from shared.errors import PROBLEM_JSON, problem_body

router = APIRouter(tags=["health"], dependencies=[PUBLIC])


@router.get("/healthz", summary="Liveness", response_model=dict[str, str], responses={
    200: {"content": {"application/json": {"example": {"status": "ok"}}}}})
async def healthz() -> dict[str, str]:
    """The process is up and serving. Does not touch the database or Kafka."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    responses={
        200: {"content": {"application/json": {"example": {
            "status": "ready", "checks": {"database": "ok", "kafka": "ok"}}}}},
        503: {"content": {PROBLEM_JSON: {}}, "description": "A dependency is down"}},
)
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and a Kafka bootstrap server accepts a connection."""
    settings = request.app.state.settings
    timeout = settings.readiness_timeout
    checks = dict(zip(("database", "kafka"), await asyncio.gather(
        _check(_database(request), timeout),
        _check(_kafka(settings.kafka_bootstrap_servers), timeout),
    ), strict=True))
    if all(value == "ok" for value in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    body = problem_body(503, "not-ready", "Service not ready", "a dependency is unavailable",
                        request.url.path, checks=checks)
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)


async def _check(probe: Any, timeout: float) -> str:
    try:
        await asyncio.wait_for(probe, timeout)
    except TimeoutError:
        return "timeout"
    except Exception as exc:  # a probe reports failure, it never raises
        return f"error: {type(exc).__name__}"
    return "ok"


async def _database(request: Request) -> None:
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _kafka(bootstrap: str) -> None:
    errors: list[Exception] = []
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _reader, writer = await asyncio.open_connection(host or "127.0.0.1", int(port))
        except OSError as exc:
            errors.append(exc)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise ConnectionError(f"no Kafka bootstrap server reachable: {errors}")
