"""Deny by default: every route of every service declares who may call it."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from shared.auth import api_routes, route_access_rule
from shared.testing.plugin import SERVICES, settings_for


def app_of(service: str) -> Any:
    return importlib.import_module(f"services.{service}.app").create_app(
        settings_for(service, database_url="sqlite+aiosqlite:///:memory:"))


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_declares_an_access_rule(service: str) -> None:
    routes = api_routes(app_of(service))
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes if route_access_rule(r) is None]
    assert {r.path for r in routes} >= {"/healthz", "/readyz"}
    assert undeclared == []


def test_only_the_probes_are_public_in_identity_organisations() -> None:
    rules = {r.path: route_access_rule(r) for r in api_routes(app_of("identity"))}
    assert rules["/healthz"] == rules["/readyz"] == "public"
    assert rules["/organisations"] != "public"
    assert rules["/organisations/{organisation_id}"] != "public"


def test_a_route_without_a_rule_is_caught() -> None:
    from fastapi import APIRouter

    app = app_of("assurance")
    forgotten = APIRouter()

    @forgotten.get("/forgotten")
    async def handler() -> dict[str, str]:
        return {}

    app.include_router(forgotten)
    rules = {r.path: route_access_rule(r) for r in api_routes(app)}
    assert rules["/forgotten"] is None
