"""Every operation of every service shows front-end teams an example of what it takes and gives.

- each 2xx JSON response has an example: `example`/`examples` on the media type, or on its
  schema (a model's `json_schema_extra={"examples": [...]}`; an array whose item schema has
  one; a union whose every branch has one);
- each request body, in every content type it accepts, has an example the same way;
- every example validates against the schema it documents (so an example cannot drift from
  the model it shows). FastAPI leaves `null` out of the published document, so an example may
  leave out a field whose value would be null.

Each test lists every violation it finds, as `METHOD path: what is missing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from tests.docs.test_openapi import export, fail_on, operations


@pytest.fixture(scope="module", params=export.SERVICES)
def service(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, export.spec(request.param)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def has_example(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    schema = resolve(document, schema)
    if "example" in schema or schema.get("examples"):
        return True
    if schema.get("type") == "array" and "items" in schema:
        return has_example(document, schema["items"])
    branches = [b for b in schema.get("anyOf", schema.get("oneOf", []))
                if b.get("type") != "null"]
    return bool(branches) and all(has_example(document, b) for b in branches)


def media_has_example(document: dict[str, Any], media: dict[str, Any]) -> bool:
    return ("example" in media or bool(media.get("examples"))
            or has_example(document, media.get("schema", {})))


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def test_every_2xx_json_response_has_an_example(service: tuple[str, dict[str, Any]]) -> None:
    name, document = service
    violations = [
        f"{method} {path}: {status} {media_type}"
        for method, path, op in operations(document)
        for status, response in op.get("responses", {}).items() if status.startswith("2")
        for media_type, media in (response.get("content") or {}).items()
        if is_json(media_type) and not media_has_example(document, media)]
    fail_on(violations, name, "answer 2xx JSON without an example")


def test_every_request_body_has_an_example(service: tuple[str, dict[str, Any]]) -> None:
    name, document = service
    violations = [
        f"{method} {path}: {media_type}"
        for method, path, op in operations(document)
        for media_type, media in op.get("requestBody", {}).get("content", {}).items()
        if not media_has_example(document, media)]
    fail_on(violations, name, "take a request body without an example")


def examples_of(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every example in the document."""
    for component, schema in document.get("components", {}).get("schemas", {}).items():
        for example in schema.get("examples", []):
            yield f"components/schemas/{component}", schema, example
    for method, path, op in operations(document):
        bodies = [("request", op.get("requestBody", {}))] + [
            (status, response) for status, response in op.get("responses", {}).items()]
        for where, holder in bodies:
            for media_type, media in (holder.get("content") or {}).items():
                found = ([media["example"]] if "example" in media else []) + [
                    e.get("value") for e in (media.get("examples") or {}).values()]
                for example in found:
                    yield f"{method} {path} {where} {media_type}", media.get("schema", {}), example


def nullable(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "null" or any(
        branch.get("type") == "null" for branch in schema.get("anyOf", []))


def nulls_optional(schema: Any) -> Any:
    """`schema` with the properties that may be null no longer required (at any depth)."""
    if isinstance(schema, list):
        return [nulls_optional(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    relaxed = {key: nulls_optional(value) for key, value in schema.items()}
    properties = schema.get("properties")
    if isinstance(properties, dict) and "required" in schema:
        relaxed["required"] = [name for name in schema["required"]
                               if not nullable(properties.get(name, {}))]
    return relaxed


def test_every_example_matches_its_schema(service: tuple[str, dict[str, Any]]) -> None:
    name, document = service
    components = nulls_optional(document.get("components", {}))
    violations = []
    for where, schema, example in examples_of(document):
        # The document's components travel with the schema, so that its $refs resolve.
        validator = jsonschema.Draft202012Validator(
            {**nulls_optional(schema), "components": components})
        errors = sorted(validator.iter_errors(example), key=lambda e: list(e.absolute_path))
        violations += [f"{where}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: "
                       f"{e.message[:160]}" for e in errors[:3]]
    fail_on(violations, name, "carry examples that break their own schema")
