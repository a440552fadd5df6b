"""People signed in at the identity service, and the services' APIs as they call them."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx

REFRESH_MARGIN = 60  # seconds before expiry that an access token is replaced


class Person:
    """A user with one identity session: signs in once (password grant), then swaps the
    rotating refresh token for an access token per service (refresh grant with `audience`)."""

    def __init__(self, identity: httpx.AsyncClient, username: str, password: str) -> None:
        self.identity = identity
        self.username = username
        self.password = password
        self.refresh_token: str | None = None
        self.access: dict[str, tuple[str, float]] = {}

    async def token(self, audience: str) -> str:
        cached = self.access.get(audience)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        if self.refresh_token is None:
            grant = {"grant_type": "password", "username": self.username,
                     "password": self.password, "audience": audience}
        else:
            grant = {"grant_type": "refresh_token", "refresh_token": self.refresh_token,
                     "audience": audience}
        response = await self.identity.post("/token", data=grant)  # a form, as OAuth clients do
        assert response.status_code == 200, f"{self.username} token: {response.text}"
        body = response.json()
        assert body["token_type"] == "Bearer" and body["refresh_token"] != self.refresh_token
        self.refresh_token = body["refresh_token"]
        self.access[audience] = (body["access_token"],
                                 time.monotonic() + body["expires_in"] - REFRESH_MARGIN)
        return str(body["access_token"])

    async def headers(self, audience: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(audience)}"}

    async def claims(self, audience: str = "identity") -> dict[str, Any]:
        """The access token's claims as a front end reads them (not verified here)."""
        payload = (await self.token(audience)).split(".")[1]
        decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (
            -len(payload) % 4)))
        return decoded

    async def subject(self) -> str:
        return str((await self.claims())["sub"])


class Api:
    """One service's HTTP API: each call as a person, with that service's token."""

    def __init__(self, service: str, client: httpx.AsyncClient) -> None:
        self.service = service
        self.client = client

    async def call(self, method: str, path: str, who: Person, body: Any = None, *,
                   expect: int = 200, params: dict[str, Any] | None = None) -> Any:
        response = await self.request(method, path, who, body, params=params)
        assert response.status_code == expect, (
            f"{who.username}: {method} {self.service}{path} answered {response.status_code}, "
            f"expected {expect}: {response.text}")
        if response.headers.get("content-type", "").endswith("json"):
            return response.json()
        return response

    async def request(self, method: str, path: str, who: Person, body: Any = None, *,
                      params: dict[str, Any] | None = None) -> httpx.Response:
        return await self.client.request(method, path, json=body, params=params,
                                         headers=await who.headers(self.service))

    async def get(self, path: str, who: Person, **params: Any) -> Any:
        return await self.call("GET", path, who, params=params or None)

    async def post(self, path: str, who: Person, body: Any = None, expect: int = 200) -> Any:
        return await self.call("POST", path, who, body, expect=expect)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of a refused request."""
    assert response.status_code == status, f"expected {status}: {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body
