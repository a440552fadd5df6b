"""RFC 9457 problem+json for every error a service returns.

Services raise `Problem` subclasses; the handlers here turn them, FastAPI's validation errors,
Starlette's HTTP errors and anything unexpected into `application/problem+json`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.logging import current_correlation_id

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://nhs-commissioning.dev/problems/"
# FastAPI answers a bare 400 with this detail when it cannot decode a JSON body at all (bytes
# that are not UTF-8, nesting deeper than the parser goes), but 422 `json_invalid` when the
# JSON is malformed: both are the same client error, so both answer the documented 422.
_UNREADABLE_BODY = "There was an error parsing the body"
# SQLSTATEs of text PostgreSQL cannot store: NUL in a text column (22021) or a \u0000 escape
# in a JSON one (22P05). Only a caller's strings carry NUL, so the request is what is invalid.
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


class Problem(Exception):
    """An error that knows its HTTP status, problem type and the detail safe to show."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    def body(self, instance: str) -> dict[str, Any]:
        return problem_body(self.status, self.slug, self.title, self.detail, instance,
                            **self.extensions)


class NotFound(Problem):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(Problem):
    """The request is valid but the resource's current state does not allow it."""

    status, slug, title = 409, "conflict", "Conflict"


class Forbidden(Problem):
    status, slug, title = 403, "forbidden", "Forbidden"


class Unauthorized(Problem):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class RuleViolation(Problem):
    """Well-formed input that breaks a domain rule (listed in `errors`)."""

    status, slug, title = 422, "rule-violation", "Request breaks a rule"


class TooManyRequests(Problem):
    status, slug, title = 429, "too-many-requests", "Too many requests"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    correlation_id: str = Field(description="quote it when reporting a problem")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="field errors (validation) or broken rules")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring problem+json for each status."""
    return {status: {"description": _reason(status), "content": {PROBLEM_JSON: {
        "schema": {"$ref": "#/components/schemas/Problem"}}}} for status in statuses}


def problem_body(status: int, slug: str, title: str, detail: str, instance: str,
                 **extensions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "correlation_id": current_correlation_id(),
    }
    body.update(extensions)
    return body


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON,
                        headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register problem+json handlers for every kind of error."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc.body(request.url.path), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type")}
            for err in exc.errors()
        ]
        return _validation_problem(request, errors)

    @app.exception_handler(DBAPIError)
    async def _unstorable(request: Request, exc: DBAPIError) -> JSONResponse:
        if getattr(exc.orig, "sqlstate", None) not in _UNSTORABLE_TEXT:
            raise exc  # any other database error is a 500 (CorrelationIdMiddleware)
        return _validation_problem(request, [{
            "loc": _nul_location(request), "msg": "text must not contain NUL (U+0000)",
            "type": "string_nul"}])

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
            return _validation_problem(request, [{
                "loc": ["body"], "msg": "the body is not readable JSON (UTF-8)",
                "type": "json_invalid"}])
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
            exc.status_code, "http-error")
        body = problem_body(exc.status_code, slug, _reason(exc.status_code), str(exc.detail),
                            request.url.path)
        return problem_response(body, dict(exc.headers) if exc.headers else None)


def _validation_problem(request: Request, errors: list[dict[str, Any]]) -> JSONResponse:
    return problem_response(problem_body(
        422, "validation-error", "Invalid request", f"{len(errors)} field(s) failed validation",
        request.url.path, errors=errors))


def _nul_location(request: Request) -> list[str]:
    """Where the NUL came from: the first path or query parameter holding one, else the body."""
    for where, params in (("path", request.path_params.items()),
                          ("query", request.query_params.multi_items())):
        for name, value in params:
            if "\x00" in str(value):
                return [where, name]
    return ["body"]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
