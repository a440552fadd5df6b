"""Pure ASGI middleware: correlation ids and request body limits."""

from __future__ import annotations

import logging
import re
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_body
from shared.logging import correlation_id, new_correlation_id

HEADER = b"x-correlation-id"
_VALID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")
_PROBES = frozenset({"/healthz", "/readyz"})  # polled by orchestrators: logged at DEBUG only
log = logging.getLogger("access")


def _header(scope: Scope, name: bytes) -> bytes | None:
    """The header's value (the last one if repeated, as `dict(scope["headers"])` would give)."""
    found = None
    for key, value in scope["headers"]:
        if key == name:
            found = value
    return None if found is None else bytes(found)


class CorrelationIdMiddleware:
    """Takes a well-formed X-Correlation-ID from the caller or makes one, and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, HEADER) or b""
        value = incoming.decode() if _VALID.match(incoming) else new_correlation_id()
        token = correlation_id.set(value)
        began = time.perf_counter()
        status = 500
        started = False

        async def send_with_header(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = message["status"]
                started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (HEADER, value.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        except Exception:
            # Handled here, inside the correlation scope, so the 500 carries the id; the body
            # never shows internals.
            log.exception("unhandled error", extra={"path": scope["path"]})
            if not started:
                await _send_problem(send_with_header, problem_body(
                    500, "internal-error", "Internal server error",
                    "The server could not complete the request; quote the correlation id.",
                    scope["path"]))
        finally:
            path = scope["path"]
            level = logging.DEBUG if path in _PROBES else logging.INFO
            if log.isEnabledFor(level):
                log.log(level, "request", extra={
                    "method": scope["method"], "path": path, "status": status,
                    "duration_ms": round((time.perf_counter() - began) * 1000, 2)})
            correlation_id.reset(token)


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413 problem+json, before any handler runs."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        await _send_problem(send, problem_body(
            413, "payload-too-large", "Payload too large",
            f"request bodies are limited to {self.max_bytes} bytes", scope["path"]))


async def _send_problem(send: Send, body: dict[str, object]) -> None:
    raw = orjson.dumps(body)
    await send({"type": "http.response.start", "status": body["status"], "headers": [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})


class _BodyTooLarge(Exception):
    pass
