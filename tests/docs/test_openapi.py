"""Every service's OpenAPI document keeps the conventions in docs/api-conventions.md.

- every operation says what it does: a description (the handler's docstring) or a summary set
  on purpose (FastAPI's own summary, the function name in title case, does not count);
- every declared error response (4xx, 5xx, `default`) is `application/problem+json` and only
  that, so generated clients type every error body as the one Problem schema;
- an operation that needs a bearer token declares 401 (and 403 unless any role may call it),
  and one that takes a request body declares 422 (the validation problem with its `errors` list);
- docs/openapi/<svc>.json, from which front-end clients are generated, is up to date.

Each test lists every violation it finds, as `METHOD path: what is wrong`.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.auth import api_routes, route_access_rule
from tests.docs.node import REPO

PROBLEM_JSON = "application/problem+json"
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


def _load_export() -> ModuleType:
    path = REPO / "tools" / "openapi" / "export.py"
    spec = importlib.util.spec_from_file_location("openapi_export", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


export = _load_export()


@pytest.fixture(scope="module", params=export.SERVICES)
def service(request: pytest.FixtureRequest) -> Iterator[tuple[str, FastAPI, dict[str, Any]]]:
    with export.built_app(request.param) as app:
        yield request.param, app, app.openapi()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def has_auth(document: dict[str, Any], operation: dict[str, Any]) -> bool:
    return bool(operation.get("security", document.get("security")))


def fail_on(violations: list[str], service: str, rule: str) -> None:
    if violations:
        listing = "\n".join(f"  - {v}" for v in violations)
        pytest.fail(f"{service}: {len(violations)} operation(s) {rule}:\n{listing}",
                    pytrace=False)


def test_every_operation_has_a_summary_or_description(
        service: tuple[str, FastAPI, dict[str, Any]]) -> None:
    name, app, document = service
    explicit_summary = {(method, route.path): route.summary
                        for route in app.routes if isinstance(route, APIRoute)
                        for method in route.methods}
    violations = [
        f"{method} {path}: no description (handler docstring) and no summary= of its own"
        for method, path, op in operations(document)
        if not (op.get("description") or "").strip()
        and not (explicit_summary.get((method, path)) or "").strip()
    ]
    fail_on(violations, name, "say nothing about what they do")


def test_declared_error_responses_are_problem_json(
        service: tuple[str, FastAPI, dict[str, Any]]) -> None:
    name, _, document = service
    violations = []
    for method, path, op in operations(document):
        for status, response in op.get("responses", {}).items():
            if not (status == "default" or status[0] in "45"):
                continue
            types = sorted((response.get("content") or {}).keys())
            if types != [PROBLEM_JSON]:
                violations.append(f"{method} {path}: {status} is {types or 'without a body'}, "
                                  f"not only {PROBLEM_JSON}")
    fail_on(violations, name, "declare error responses that are not problem+json")


def test_auth_and_body_operations_declare_401_403_422(
        service: tuple[str, FastAPI, dict[str, Any]]) -> None:
    name, app, document = service
    # A route open to any signed-in caller (`require()`) cannot answer 403.
    any_role = {(method.lower(), r.path) for r in api_routes(app)
                if route_access_rule(r) == "roles:*" for method in r.methods}
    violations = []
    for method, path, op in operations(document):
        declared = set(op.get("responses", {}))
        wanted = set()
        if has_auth(document, op):
            wanted |= {"401"} if (method.lower(), path) in any_role else {"401", "403"}
        if "requestBody" in op:
            wanted.add("422")
        missing = sorted(wanted - declared)
        if missing:
            why = " + ".join(w for w, on in (("bearer auth", has_auth(document, op)),
                                                ("request body", "requestBody" in op)) if on)
            violations.append(f"{method} {path} ({why}): does not declare {', '.join(missing)}")
    fail_on(violations, name, "leave out 401/403 (auth) or 422 (body)")


def test_the_committed_openapi_documents_are_up_to_date() -> None:
    stale = [str(path.relative_to(REPO)) for path, content in export.render().items()
             if not path.exists() or path.read_text() != content]
    assert stale == [], f"stale {stale}: run `make openapi` and commit docs/openapi/"
