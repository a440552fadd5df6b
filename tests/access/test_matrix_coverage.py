"""The access matrix in one place (tests/access/matrix.yaml, docs/access-matrix.md) is complete,
current and true.

- every route of every service's app is in the matrix, and nothing else is (the probes,
  /metrics and the OpenAPI pages are public by declaration and left out);
- every role of the role catalogue has a column; every cell names a known rule;
- each cell agrees with the roles the route declares (`require(...)`): a role the route refuses
  is a refusal in the matrix, and a cell that lets a role through names a role the route takes;
- docs/access-matrix.md is what `python -m tests.access.render` writes;
- through the real apps, every route answers each column as its cell says: a refusal is 403, a
  cell that sees nothing is 403 or 404 (or an empty list), a cell that lets the role through
  passes the access layer (neither 401 nor 403, whatever the request then meets), public routes
  need no token and every other route answers 401 without one. No call may end in a 5xx.

The relations themselves (own, child, sibling, ...) are exercised in depth by the per-service
matrices; tests/access/test_matrix_agrees.py checks that their tables agree with this one.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from shared.auth import api_routes, route_access_rule
from shared.testing.plugin import SERVICES, ServiceHarness, settings_for
from shared.testing.tokens import TokenFactory
from tests.access import render
from tests.access.matrix import (
    DEFAULT,
    Matrix,
    Persona,
    Route,
    catalogue_org_types,
    catalogue_roles,
    load,
)
from tests.identity.helpers import FAST_ARGON2

UNLISTED = {"/healthz", "/readyz", "/metrics"}  # public by declaration
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
MATRIX = load()


def app_of(service: str) -> Any:
    settings = settings_for(service, database_url="sqlite+aiosqlite:///:memory:")
    return importlib.import_module(f"services.{service}.app").create_app(settings)


def declared(service: str) -> dict[str, str | None]:
    """"METHOD /path" -> the access rule the route declares, for every route of the app."""
    return {f"{method} {route.path}": route_access_rule(route)
            for route in api_routes(app_of(service)) for method in route.methods & METHODS}


def allowed_roles(rule: str | None) -> set[str] | None:
    """The roles a declared rule lets through (None: any role)."""
    assert rule is not None and rule.startswith("roles:"), rule
    names = rule.removeprefix("roles:")
    return None if names == "*" else set(names.split(","))


class TestTheMatrixIsComplete:
    @pytest.mark.parametrize("service", SERVICES)
    def test_every_route_is_in_the_matrix_and_nothing_else(self, service: str) -> None:
        routes = declared(service)
        listed = {key for key in routes if key.split(" ", 1)[1] not in UNLISTED}
        assert {routes[f"GET {path}"] for path in UNLISTED} == {"public"}
        missing = sorted(listed - set(MATRIX.services[service]))
        unknown = sorted(set(MATRIX.services[service]) - listed)
        assert missing == [], f"routes of {service} missing from tests/access/matrix.yaml"
        assert unknown == [], f"routes in tests/access/matrix.yaml that {service} does not have"

    def test_the_matrix_covers_the_four_services(self) -> None:
        assert list(MATRIX.services) == list(SERVICES)

    def test_every_role_of_the_catalogue_has_a_column(self) -> None:
        org_types = catalogue_org_types()
        assert {p.role for p in MATRIX.personas.values()} == set(catalogue_roles())
        wrong = [p.id for p in MATRIX.personas.values() if p.org_type not in org_types[p.role]]
        assert wrong == [], "a column's organisation type cannot hold its role"

    def test_every_cell_names_a_column_and_a_rule(self) -> None:
        relations = set(MATRIX.relations)
        for rule in MATRIX.rules.values():
            assert set(rule.outcomes) <= relations, rule.name
            assert rule.all_outcomes() <= {"yes", "403", "404", "published", "unpublished",
                                           "deny"}, rule.name
        for service, routes in MATRIX.services.items():
            for route in routes.values():
                assert set(route.cells) <= set(MATRIX.personas) | {DEFAULT}, route.key
                assert set(route.cells.values()) <= set(MATRIX.rules), (service, route.key)

    def test_every_rule_is_used(self) -> None:
        used = {route.rule_name(p) for routes in MATRIX.services.values()
                for route in routes.values() for p in MATRIX.personas.values()}
        assert set(MATRIX.rules) - used == set()


class TestTheMatrixAgreesWithTheDeclaredRoles:
    @pytest.mark.parametrize("service", SERVICES)
    def test_each_cell_agrees_with_the_route_declaration(self, service: str) -> None:
        routes = declared(service)
        wrong = []
        for key, route in MATRIX.services[service].items():
            rule = routes[key]
            for persona in MATRIX.personas.values():
                cell = MATRIX.rule(route, persona)
                if (rule == "public") != cell.public:
                    wrong.append(f"{key} x {persona.id}: route {rule}, cell {cell.label}")
                    continue
                if rule == "public":
                    continue
                roles = allowed_roles(rule)
                takes_role = roles is None or persona.role in roles
                if not takes_role and cell.all_outcomes() != {"403"}:
                    wrong.append(f"{key} x {persona.id}: the route refuses {persona.role} "
                                 f"({rule}), the cell says {cell.label!r}")
                if cell.allows and not takes_role:
                    wrong.append(f"{key} x {persona.id}: cell {cell.label!r} but {rule}")
        assert wrong == []


def test_the_document_is_what_the_generator_writes() -> None:
    assert render.OUT.read_text() == render.render(), (
        "docs/access-matrix.md is stale: run `.venv/bin/python -m tests.access.render`")


# --- through the real apps -------------------------------------------------------------------

ORG_IDS = {org_type: str(uuid.uuid5(uuid.NAMESPACE_URL, f"access-matrix/{org_type}"))
           for org_type in ("DOH", "NHSCB", "SHA", "PCT", "CCG", "CSU", "SUPPLIER")}
SOMETHING = "3f2c7d1e-0000-4000-8000-00000000a11c"  # an id that names nothing
PATH_VALUES = {"version": "wcc-2009-10", "name": "baseline", "chart": "hhi",
               "supplier_id": "FESC01"}
OWN_ORGANISATION = {"sha_id", "organisation_id"}
OVERRIDES: dict[str, dict[str, Any]] = {"identity": FAST_ARGON2,
                                        "assurance": {"gc_freeze_after_startup": False}}
CASES = [pytest.param(service, key, id=f"{service}:{key}")
         for service, routes in MATRIX.services.items() for key in routes]


def headers_of(tokens: TokenFactory, persona: Persona, audience: str) -> dict[str, str]:
    return tokens.headers(org_id=ORG_IDS[persona.org_type], org_type=persona.org_type,
                          roles=[persona.role], audience=audience,
                          subject=f"user:matrix-{persona.id}")


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example_body(document: dict[str, Any], operation: dict[str, Any]) -> Any:
    """The request body's first documented example ({} when it has none)."""
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return None
    if "example" in media:
        return media["example"]
    if media.get("examples"):
        return next(iter(media["examples"].values()))["value"]
    schema = _schema(document, media.get("schema", {}))
    for branch in schema.get("anyOf", schema.get("oneOf", [])):
        branch = _schema(document, branch)
        if branch.get("examples"):
            return branch["examples"][0]
    return schema.get("examples", [{}])[0]


def request_for(document: dict[str, Any], route: Route, persona: Persona,
                ) -> tuple[str, dict[str, str], Any]:
    """A minimal valid call of `route` by `persona`: its own organisation where one is named,
    an id that names nothing elsewhere, the documented example as the body."""
    operation = document["paths"][route.path][route.method.lower()]
    own = ORG_IDS[persona.org_type]
    values = {name: own if name in OWN_ORGANISATION else PATH_VALUES.get(name, SOMETHING)
              for name in _names(route.path)}
    params = {p["name"]: ("2009-04-01" if p["schema"].get("format") == "date" else SOMETHING)
              for p in operation.get("parameters", [])
              if p["in"] == "query" and p.get("required")}
    body = example_body(document, operation)
    if isinstance(body, dict) and "organisation_id" in body:
        body = {**body, "organisation_id": own}
    return route.path.format(**values), params, body


def _names(path: str) -> list[str]:
    return [part[:part.index("}")] for part in path.split("{")[1:]]


def _no_rows(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    body = response.json()
    return body == [] or (isinstance(body, dict) and body.get("items") == [])


def verdict(matrix: Matrix, route: Route, persona: Persona, response: httpx.Response,
            ) -> str | None:
    """What is wrong with `response` to `persona`'s call of `route` (None: as the cell says)."""
    cell = matrix.rule(route, persona)
    status = response.status_code
    if status >= 500:
        return f"{status} {response.text[:200]}"
    if cell.all_outcomes() == {"403"}:
        return None if status == 403 else f"refused in the matrix, answered {status}"
    if not cell.allows:
        return None if status in (403, 404) or _no_rows(response) else (
            f"sees nothing in the matrix ({cell.label}), answered {status}")
    if status in (401, 403):
        return f"allowed in the matrix ({cell.label}), answered {status} {response.text[:200]}"
    return None


@pytest.fixture
async def opened(service_app: Any, request: pytest.FixtureRequest,
                 ) -> AsyncIterator[ServiceHarness]:
    service = request.node.callspec.params["service"]
    app: AbstractAsyncContextManager[ServiceHarness] = service_app(
        service, **OVERRIDES.get(service, {}))
    async with app as harness:
        if service == "procurement":
            await _procurement_world(harness)
        yield harness


async def _procurement_world(harness: ServiceHarness) -> None:
    """The columns' PCT under their SHA, and their supplier as FESC01 on the framework (a
    supplier's writes are refused outright to an organisation that is not one)."""
    from services.procurement.clock import FixedClock
    from services.procurement.database import directory
    from services.procurement.supplier.service import seed

    harness.app.state.clock = FixedClock(datetime(2008, 6, 2, 9, 0, tzinfo=UTC))
    rows = [("DOH", "DH", None), ("SHA", "Q31", "DOH"), ("PCT", "5NT", "SHA"),
            ("SUPPLIER", "FESC01", None)]
    for org_type, code, parent in rows:
        await harness.session.execute(directory.insert().values(
            organisation_id=ORG_IDS[org_type], code=code, name=f"{code} (test)", type=org_type,
            parent_id=ORG_IDS[parent] if parent else None, valid_from=date(2006, 7, 1),
            valid_to=None, updated_at=datetime.now(UTC)))
    await seed(harness.session, harness.app.state.framework,
               now=datetime(2007, 10, 5, tzinfo=UTC))
    await harness.session.commit()


@pytest.mark.parametrize(("service", "key"), CASES)
async def test_each_column_gets_what_its_cell_says(opened: ServiceHarness,
                                                   tokens: TokenFactory, service: str,
                                                   key: str) -> None:
    route = MATRIX.route(service, key)
    document = opened.app.openapi()
    wrong = []
    for persona in MATRIX.personas.values():
        if MATRIX.rule(route, persona).public:
            continue  # no token, so the same for every column: test_without_a_token
        path, params, body = request_for(document, route, persona)
        response = await opened.client.request(route.method, path, params=params, json=body,
                                               headers=headers_of(tokens, persona, service))
        problem = verdict(MATRIX, route, persona, response)
        if problem:
            wrong.append(f"{persona.id}: {problem}")
    assert wrong == [], f"{key}: " + "\n".join(wrong)


@pytest.mark.parametrize(("service", "key"), CASES)
async def test_without_a_token(opened: ServiceHarness, service: str, key: str) -> None:
    route = MATRIX.route(service, key)
    persona = MATRIX.personas["doh_admin"]
    path, params, body = request_for(opened.app.openapi(), route, persona)
    response = await opened.client.request(route.method, path, params=params, json=body)
    assert response.status_code < 500, response.text
    if MATRIX.rule(route, persona).public:
        # A public route may refuse what it is sent (POST /token: 401 invalid_grant, as OAuth
        # clients expect), never for want of a bearer token.
        assert response.status_code != 403, response.text
        if response.status_code == 401:
            assert response.json().get("error") in {"invalid_grant", "invalid_client"}
    else:
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
