"""Deny by default: every identity route declares who may call it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from services.identity.app import create_app
from services.identity.config import Settings
from shared.auth import api_routes, route_access_rule

PUBLIC_PATHS = {"/healthz", "/readyz", "/metrics", "/token", "/logout",
                "/.well-known/jwks.json", "/.well-known/openid-configuration"}


def app() -> FastAPI:
    return create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))


def walk(routes: list[Any]) -> list[Any]:
    """Every API operation under `routes`: APIRoutes, and those inside included routers.

    FastAPI 0.165 lists an included router as one `_IncludedRouter` entry of `app.routes`, so
    filtering `app.routes` for APIRoute alone would find no route and prove nothing. Each of its
    candidates wraps the router's APIRoute (`original_route`) with the *effective* dependencies,
    router-level ones (such as the token router's PUBLIC) included.
    """
    found: list[Any] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "effective_candidates"):
            candidates = list(route.effective_candidates())
            assert all(isinstance(c.original_route, APIRoute) for c in candidates)
            found += candidates
    return found


def test_every_api_route_declares_an_access_rule() -> None:
    routes = walk(app().routes)
    undeclared = [f"{sorted(route.methods)} {route.path}" for route in routes
                  if route_access_rule(route) is None]
    assert {route.path for route in routes} >= PUBLIC_PATHS | {"/users", "/audit"}
    assert undeclared == []


def test_the_shared_walk_finds_the_same_routes() -> None:
    assert {(r.path, frozenset(r.methods)) for r in walk(app().routes)} == {
        (r.path, r.methods) for r in api_routes(app())}


def test_a_route_without_a_rule_would_be_caught() -> None:
    application = app()
    forgotten = APIRouter()

    @forgotten.get("/forgotten")
    async def handler() -> dict[str, str]:
        return {}

    application.include_router(forgotten)
    rules = {route.path: route_access_rule(route) for route in walk(application.routes)}
    assert rules["/forgotten"] is None


def test_only_sign_in_discovery_and_probes_are_public() -> None:
    public = {r.path for r in api_routes(app()) if route_access_rule(r) == "public"}
    assert public == PUBLIC_PATHS


def test_the_audit_log_is_for_doh_administrators_only() -> None:
    rules = {r.path: route_access_rule(r) for r in api_routes(app())}
    assert rules["/audit"] == "roles:doh_admin"
