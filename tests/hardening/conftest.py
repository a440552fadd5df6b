"""Hardening fixtures: each service as a real uvicorn process on a fresh, seeded database.

Identity is seeded with the reference organisations and demo users by its own command line and
hands out its own tokens; the other services get identity's organisations in their directories
(as identity's events would bring them) and their own seed data. Each fixture also looks up a
few real resources (`LiveApi.known`) for the fuzzer to aim at.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.procurement.request.schemas import EXAMPLE as REQUEST_EXAMPLE
from shared.testing.plugin import ServiceDatabases
from shared.testing.tokens import TokenFactory, serve_jwks
from tests.hardening.live import (
    DEMO_PASSWORD,
    TOKEN_TTL,
    LiveApi,
    cli,
    execute,
    run_async,
    start_api,
)

# Who calls each service: a powerful role and a low-privilege one (username for identity's own
# tokens; organisation code and role for the others').
CALLERS: dict[str, dict[str, tuple[str, ...]]] = {
    "identity": {"doh_admin": ("doh.admin",), "pct_commissioner": ("5nt.commissioner",)},
    "assurance": {"doh_admin": ("DH", "doh_admin"),
                  "pct_commissioner": ("5NT", "pct_commissioner")},
    "procurement": {"pct_commissioner": ("5NT", "pct_commissioner"),
                    "doh_admin": ("DH", "doh_admin"),
                    "supplier_bidder": ("FESC01", "supplier_bidder")},
    "market": {"nhscb_analyst": ("X24", "nhscb_analyst"), "sha_assessor": ("Q31", "sha_assessor")},
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test's report ends with the service's log (WARNING and up: the tracebacks)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call" and report.failed:
        for value in getattr(item, "funcargs", {}).values():
            if isinstance(value, LiveApi):
                report.sections.append((f"{value.service} API log (end)", value.log_tail()))


@pytest.fixture(scope="session")
def hardening_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hardening")


@pytest.fixture(scope="session")
def identity_db(databases: ServiceDatabases) -> str:
    """Identity's database with the reference organisations and the demo users."""
    url = databases.fresh(f"hardening_identity_{uuid.uuid4().hex[:8]}", "identity")
    cli("identity", url, "seed")
    cli("identity", url, "seed-demo-users")
    return url


@pytest.fixture(scope="session")
def organisations(identity_db: str) -> list[dict[str, Any]]:
    """Identity's organisations, as the other services' directories hold them."""
    return run_async(lambda: execute(identity_db, """
        SELECT id AS organisation_id, code, name, type, parent_id, valid_from, valid_to,
               updated_at FROM organisation"""))


@pytest.fixture(scope="session")
def jwks_url(tokens: TokenFactory) -> Iterator[str]:
    with serve_jwks(tokens) as url:
        yield url


def service_db(databases: ServiceDatabases, service: str,
               organisations: list[dict[str, Any]]) -> str:
    """A fresh migrated database of `service` whose directory holds identity's organisations."""
    url = databases.fresh(f"hardening_{service}_{uuid.uuid4().hex[:8]}", service)
    run_async(lambda: execute(url, """
        INSERT INTO organisation_directory (organisation_id, code, name, type, parent_id,
            valid_from, valid_to, updated_at)
        VALUES (:organisation_id, :code, :name, :type, :parent_id, :valid_from, :valid_to,
            :updated_at)""", organisations))
    return url


@pytest.fixture(scope="session")
def identity_api(identity_db: str, organisations: list[dict[str, Any]],
                 hardening_dir: Path) -> Iterator[LiveApi]:
    """Identity, with a user of Manchester PCT for the fuzzer to disable and re-role."""
    api = start_api("identity", identity_db, hardening_dir)
    try:
        for label, (username,) in CALLERS["identity"].items():
            answer = httpx.post(f"{api.url}/token", json={
                "grant_type": "password", "username": username, "password": DEMO_PASSWORD,
                "audience": "identity"}, timeout=30)
            assert answer.status_code == 200, answer.text
            api.callers[label] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        pct = org_id(organisations, "5NT")
        target = api.send("doh_admin", "POST", "/users", json={
            "username": "fuzz.target", "display_name": "Fuzzing target",
            "organisation_id": pct, "roles": ["pct_commissioner"], "password": DEMO_PASSWORD})
        api.known = {"organisation_id": pct, "user_id": target["id"]}
        yield api
    finally:
        api.stop()


def org_id(organisations: list[dict[str, Any]], code: str) -> str:
    return next(str(org["organisation_id"]) for org in organisations if org["code"] == code)


@contextmanager
def running(service: str, databases: ServiceDatabases, organisations: list[dict[str, Any]],
            tokens: TokenFactory, jwks_url: str, log_dir: Path,
            seed: Callable[[str], object] | None = None) -> Iterator[LiveApi]:
    """`service` (not identity) on a fresh seeded database, with a token for each caller."""
    url = service_db(databases, service, organisations)
    if seed is not None:
        seed(url)
    api = start_api(service, url, log_dir, identity_url=jwks_url, token_issuer=tokens.issuer)
    try:
        by_code = {org["code"]: org for org in organisations}
        for label, (code, role) in CALLERS[service].items():
            org = by_code[code]
            api.callers[label] = tokens.headers(
                org_id=org["organisation_id"], org_type=org["type"], roles=[role],
                audience=service, ttl=TOKEN_TTL)
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="session")
def assurance_api(databases: ServiceDatabases, organisations: list[dict[str, Any]],
                  tokens: TokenFactory, jwks_url: str, hardening_dir: Path) -> Iterator[LiveApi]:
    """Assurance with a published national demo cycle (2008/09, so lists and reports hold
    data) and an open one (2009/10, whose draft assessments the workflow routes can change)."""
    with running("assurance", databases, organisations, tokens, jwks_url, hardening_dir,
                 lambda url: cli("assurance", url, "demo-cycle")) as api:
        pct = org_id(organisations, "5NT")
        published = api.send("doh_admin", "GET", "/cycles")["items"][0]
        opened = api.send("doh_admin", "POST", "/cycles", json={
            "year": "2009/10", "opens_on": "2009-09-16", "self_assessment_due": "2009-11-30",
            "panel_from": "2009-12-01", "panel_to": "2010-02-15",
            "publication_on": "2010-03-31"})
        draft = api.send("doh_admin", "GET", "/assessments",
                         params={"cycle_id": opened["id"], "pct_id": pct})["items"][0]
        decision = api.send("doh_admin", "GET", "/autonomy-decisions")["items"][0]
        api.known = {"cycle_id": published["id"], "assessment_id": draft["id"],
                     "decision_id": decision["id"], "sha_id": org_id(organisations, "Q31"),
                     "version": published["framework_version"]}
        yield api


@pytest.fixture(scope="session")
def procurement_api(databases: ServiceDatabases, organisations: list[dict[str, Any]],
                    tokens: TokenFactory, jwks_url: str, hardening_dir: Path) -> Iterator[LiveApi]:
    """Procurement with the framework's approved suppliers and one request of Manchester PCT."""
    with running("procurement", databases, organisations, tokens, jwks_url, hardening_dir,
                 lambda url: cli("procurement", url, "seed")) as api:
        supplier = api.send("doh_admin", "GET", "/suppliers")[0]
        request = api.send("pct_commissioner", "POST", "/requests", json=REQUEST_EXAMPLE)
        api.known = {"supplier_id": supplier["code"], "pct_id": org_id(organisations, "5NT"),
                     "request_id": request["id"]}
        yield api


@pytest.fixture(scope="session")
def market_api(databases: ServiceDatabases, organisations: list[dict[str, Any]],
               tokens: TokenFactory, jwks_url: str, hardening_dir: Path) -> Iterator[LiveApi]:
    """Market with one queued run (no worker runs here, so it stays queued)."""
    with running("market", databases, organisations, tokens, jwks_url, hardening_dir) as api:
        run = api.send("nhscb_analyst", "POST", "/runs",
                       json={"scenario": "historical", "replications": 1})
        api.known = {"name": "historical", "run_id": run["id"]}
        yield api

