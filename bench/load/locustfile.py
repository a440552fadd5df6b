"""Mixed traffic across the four services, as their users make it (Locust).

Run by bench/load_bench.py against a platform started with deploy/run.sh (see there); the
service URLs and the demo password come from the environment:
LOAD_IDENTITY_URL, LOAD_ASSURANCE_URL, LOAD_PROCUREMENT_URL, LOAD_MARKET_URL, LOAD_PASSWORD,
LOAD_CYCLE_ID (a published national cycle).

Request names are endpoint classes (`<service> <class>: <what>`), so the statistics come out
per class: `read-one`, `read-list`, `report`, `write`, `auth`.
"""

from __future__ import annotations

import os
import random
import threading
from typing import Any

from locust import FastHttpUser, between, events, task

URLS = {svc: os.environ.get(f"LOAD_{svc.upper()}_URL", "") for svc in
        ("identity", "assurance", "procurement", "market")}
PASSWORD = os.environ.get("LOAD_PASSWORD", "")
CYCLE_ID = os.environ.get("LOAD_CYCLE_ID", "")
MICRO = {"title": "Managing acute-trust contracts", "package_type": "micro",
         "services": ["acute_contract_management"],
         "business_case": "The PCT lacks contract managers with PbR experience this year.",
         "estimated_value_pence": 25_000_000}

_tokens: dict[tuple[str, str], str] = {}
_lock = threading.Lock()
_assessment_ids: list[str] = []


def token(client: Any, username: str, audience: str) -> str:
    """An access token for `username` at `audience` (one sign-in each, shared by all users)."""
    key = (username, audience)
    with _lock:
        if key not in _tokens:
            response = client.post(f"{URLS['identity']}/token", name="identity auth: sign in",
                                   data={"grant_type": "password", "username": username,
                                         "password": PASSWORD, "audience": audience})
            response.raise_for_status()
            _tokens[key] = response.json()["access_token"]
        return _tokens[key]


@events.test_start.add_listener
def _check(environment: Any, **_kwargs: Any) -> None:
    missing = [name for name, url in URLS.items() if not url]
    if missing or not PASSWORD or not CYCLE_ID:
        raise RuntimeError(f"set LOAD_*_URL, LOAD_PASSWORD and LOAD_CYCLE_ID (missing {missing})")


class _Person(FastHttpUser):
    """One signed-in person; `auth(audience)` gives the Authorization header."""

    abstract = True
    host = "http://127.0.0.1"
    username = ""
    wait_time = between(0.05, 0.2)

    def auth(self, audience: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(self.client, self.username, audience)}"}

    def get(self, service: str, path: str, name: str, audience: str | None = None) -> Any:
        return self.client.get(URLS[service] + path, name=name,
                               headers=self.auth(audience or service))


class ShaAnalyst(_Person):
    """An SHA checks its region's league table and its PCTs' assessments."""

    weight = 3
    username = "q31.admin"

    @task(3)
    def league(self) -> None:
        self.get("assurance", f"/cycles/{CYCLE_ID}/league", "assurance report: league table")

    @task(2)
    def assessments(self) -> None:
        response = self.get("assurance", f"/assessments?cycle_id={CYCLE_ID}&limit=50",
                            "assurance read-list: assessments")
        if response.ok and not _assessment_ids:
            _assessment_ids.extend(item["id"] for item in response.json()["items"])

    @task(2)
    def assessment(self) -> None:
        if _assessment_ids:
            self.get("assurance", f"/assessments/{random.choice(_assessment_ids)}",
                     "assurance read-one: assessment")

    @task(1)
    def organisations(self) -> None:
        self.get("identity", "/organisations?type=PCT&limit=50",
                 "identity read-list: organisations")


class PctCommissioner(_Person):
    """A PCT reads the framework and raises micro requests."""

    weight = 3
    username = "5nt.commissioner"

    @task(3)
    def suppliers(self) -> None:
        self.get("procurement", "/suppliers", "procurement read-list: suppliers")

    @task(2)
    def requests(self) -> None:
        self.get("procurement", "/requests?limit=20", "procurement read-list: requests")

    @task(1)
    def raise_request(self) -> None:
        self.client.post(f"{URLS['procurement']}/requests", json=MICRO,
                         name="procurement write: raise request",
                         headers=self.auth("procurement"))

    @task(1)
    def framework(self) -> None:
        self.get("procurement", "/framework", "procurement read-one: framework")


class MarketAnalyst(_Person):
    """NHS CB's analyst browses scenarios and runs, and now and then queues a small study."""

    weight = 2
    username = "nhscb.analyst"

    @task(3)
    def scenarios(self) -> None:
        self.get("market", "/scenarios", "market read-list: scenarios")

    @task(2)
    def scenario(self) -> None:
        self.get("market", "/scenarios/historical", "market read-one: scenario")

    @task(2)
    def runs(self) -> None:
        self.get("market", "/runs?limit=20", "market read-list: runs")

    @task(1)
    def queue_run(self) -> None:
        self.client.post(f"{URLS['market']}/runs", name="market write: queue run",
                         json={"scenario": "baseline", "replications": 5},
                         headers=self.auth("market"))


class Signer(_Person):
    """People signing in again through the day (password grant, Argon2id)."""

    weight = 1
    username = "doh.admin"

    @task
    def sign_in(self) -> None:
        self.client.post(f"{URLS['identity']}/token", name="identity auth: sign in",
                         data={"grant_type": "password", "username": self.username,
                               "password": PASSWORD, "audience": "identity"})
