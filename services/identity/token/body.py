"""Reading a token request sent as JSON or as an HTML form (OAuth 2.0 clients send forms)."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import parse_qsl

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError

from services.identity.token.schemas import Grant, TokenRequest
from shared.errors import Problem

FORM = "application/x-www-form-urlencoded"
_TOKEN_REQUEST: TypeAdapter[Any] = TypeAdapter(TokenRequest)


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


async def parsed(request: Request, adapter: TypeAdapter[Any]) -> BaseModel:
    """The body validated by `adapter` (422 problem+json listing field errors otherwise)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    try:
        if media_type == FORM:
            data: Any = dict(parse_qsl(raw.decode(), keep_blank_values=True))
        elif media_type in ("application/json", ""):
            data = orjson.loads(raw or b"null")
        else:
            raise UnsupportedMediaType(f"send {FORM} or application/json, not {media_type}")
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        raise RequestValidationError([{"loc": ("body",), "msg": "malformed body",
                                       "type": "value_error"}]) from None
    try:
        result: BaseModel = adapter.validate_python(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]) from None
    return result


async def token_request(request: Request) -> Grant:
    return cast(Grant, await parsed(request, _TOKEN_REQUEST))


def openapi_body() -> dict[str, Any]:
    """The OpenAPI requestBody of /token: the grants, as JSON or as a form."""
    schema = _inline(_TOKEN_REQUEST.json_schema())
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}, FORM: {"schema": schema}}}}


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    # The grant models are not route parameters, so they are not in the document's components:
    # inline their definitions (each grant is told apart by its `grant_type` constant).
    definitions = schema.pop("$defs", {})
    schema.pop("discriminator", None)

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    return dict(resolve(schema))
