"""Every assurance operation is documented for the front-end reader and declares its rule."""

from __future__ import annotations

from typing import Any

import pytest

from services.assurance.app import create_app
from services.assurance.config import Settings
from shared.auth import api_routes, route_access_rule

PROBES = ("/healthz", "/metrics", "/readyz")  # public for orchestrators and Prometheus


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))


def operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    schema = app.openapi()
    return [(path, method, op) for path, item in schema["paths"].items()
            for method, op in item.items() if path not in PROBES]


class TestOpenApi:
    def test_every_operation_has_a_description_and_problem_responses(self, app: Any) -> None:
        for path, method, op in operations(app):
            assert op.get("description"), f"{method} {path} has no docstring"
            problems = [code for code, response in op["responses"].items()
                        if "application/problem+json" in response.get("content", {})]
            assert {"401", "403"} <= set(problems), f"{method} {path}: {problems}"

    def test_every_request_body_has_an_example(self, app: Any) -> None:
        schemas = app.openapi()["components"]["schemas"]
        for path, method, op in operations(app):
            body = op.get("requestBody")
            if body is None:
                continue
            ref = body["content"]["application/json"]["schema"]
            ref = ref.get("$ref") or next(s["$ref"] for s in ref["anyOf"] if "$ref" in s)
            schema = schemas[ref.rsplit("/", 1)[-1]]
            assert schema.get("examples"), f"{method} {path}: no example"
            assert schema.get("additionalProperties") is False, f"{method} {path}"

    def test_no_route_is_public_except_the_probes(self, app: Any) -> None:
        rules = {(r.path, m): route_access_rule(r) for r in api_routes(app) for m in r.methods}
        public = sorted(path for (path, _m), rule in rules.items() if rule == "public")
        assert public == sorted(PROBES)
        assert None not in rules.values()
