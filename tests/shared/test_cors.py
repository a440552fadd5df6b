"""CORS as docs/api-conventions.md says: only the origins in `<SVC>_CORS_ORIGINS`, none by default.

The apps are built by their own `create_app` from settings read from the environment (as in
production); a preflight and a simple request need no database, so none is opened.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.testing.plugin import SERVICES, settings_for

APP_ORIGIN = "https://app.example"
# a write a browser app would make on each service (a preflight never reaches the route)
API_PATH = {"identity": "/users", "assurance": "/cycles", "procurement": "/requests",
            "market": "/runs"}
PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization,content-type,x-correlation-id"}


@pytest.fixture(params=SERVICES)
def service(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def client_for(service: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app and a client of it; its preflights and probes need no database."""
    settings = settings_for(service, database_url="sqlite+aiosqlite:///:memory:")
    app = importlib.import_module(f"services.{service}.app").create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=f"http://{service}.test") as client:
        yield client
    await app.state.engine.dispose()


@pytest.fixture
async def configured(service: str, monkeypatch: pytest.MonkeyPatch,
                     ) -> AsyncIterator[httpx.AsyncClient]:
    """The app with `<SVC>_CORS_ORIGINS='["https://app.example"]'` in its environment."""
    monkeypatch.setenv(f"{service.upper()}_CORS_ORIGINS", f'["{APP_ORIGIN}"]')
    async for client in client_for(service):
        yield client


@pytest.fixture
async def default(service: str, monkeypatch: pytest.MonkeyPatch,
                  ) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.delenv(f"{service.upper()}_CORS_ORIGINS", raising=False)
    async for client in client_for(service):
        yield client


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


class TestConfiguredOrigin:
    async def test_a_preflight_from_the_origin_is_allowed(
            self, service: str, configured: httpx.AsyncClient) -> None:
        response = await configured.options(
            API_PATH[service], headers={"Origin": APP_ORIGIN, **PREFLIGHT})
        assert response.status_code == 200
        headers = cors_headers(response)
        assert headers["access-control-allow-origin"] == APP_ORIGIN
        assert "POST" in headers["access-control-allow-methods"]
        allowed = {h.strip() for h in headers["access-control-allow-headers"].split(",")}
        assert {"authorization", "content-type", "x-correlation-id"} <= allowed
        assert "access-control-allow-credentials" not in headers

    async def test_a_preflight_from_another_origin_gets_no_allow_headers(
            self, service: str, configured: httpx.AsyncClient) -> None:
        response = await configured.options(
            API_PATH[service], headers={"Origin": "https://evil.example", **PREFLIGHT})
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers

    async def test_a_response_to_the_origin_exposes_the_correlation_id(
            self, configured: httpx.AsyncClient) -> None:
        response = await configured.get("/healthz", headers={"Origin": APP_ORIGIN})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == APP_ORIGIN
        assert response.headers["access-control-expose-headers"].lower() == "x-correlation-id"
        assert response.headers["x-correlation-id"]

    async def test_a_response_to_another_origin_is_not_shared(
            self, configured: httpx.AsyncClient) -> None:
        response = await configured.get("/healthz", headers={"Origin": "https://evil.example"})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers


class TestDefault:
    async def test_no_cors_headers_are_sent(self, service: str,
                                            default: httpx.AsyncClient) -> None:
        preflight = await default.options(API_PATH[service],
                                          headers={"Origin": APP_ORIGIN, **PREFLIGHT})
        simple = await default.get("/healthz", headers={"Origin": APP_ORIGIN})
        assert preflight.status_code == 405
        assert simple.status_code == 200
        assert cors_headers(preflight) == cors_headers(simple) == {}


def test_the_origins_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKET_CORS_ORIGINS", '["https://a.example", "https://b.example"]')
    settings = settings_for("market", database_url="sqlite+aiosqlite:///:memory:")
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
