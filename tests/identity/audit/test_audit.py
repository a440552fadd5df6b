"""The audit log: what it records, who reads it, and that it never holds a credential."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, get_args

import pytest
from sqlalchemy import select

from services.identity.audit import service as audit
from services.identity.audit.models import AuditEvent
from services.identity.audit.schemas import AuditKind
from services.identity.token.keys import rotate_key
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import (
    add_user,
    bearer,
    is_problem,
    outbox_payloads,
    password_login,
)

NEW_PASSWORD = "Initial-Password-4711"
WRONG_PASSWORD = "Wrong-Password-0815"


class TestReadingTheLog:
    async def test_newest_first_and_filtered_by_kind(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct)
        await identity.client.post("/token", json=password_login(user.username, "x"))
        await identity.client.post("/token", json=password_login(user.username))
        headers = bearer(tokens, orgs.doh, "doh_admin")
        everything = (await identity.client.get("/audit", headers=headers)).json()
        failures = (await identity.client.get("/audit", params={"kind": "login.failed"},
                                              headers=headers)).json()
        assert [e["kind"] for e in everything["items"]] == ["login.succeeded", "login.failed"]
        assert (failures["total"], failures["items"][0]["subject"]) == (1, user.id)
        assert failures["items"][0]["ip"] == "127.0.0.1"

    async def test_pages_through_events(self, identity: ServiceHarness, orgs: Orgs,
                                        tokens: TokenFactory) -> None:
        for _ in range(3):
            audit.record(identity.session, "login.failed", actor="anonymous")
        await identity.session.flush()
        page = (await identity.client.get("/audit", params={"limit": 2, "offset": 2},
                                          headers=bearer(tokens, orgs.doh, "doh_admin"))).json()
        assert (page["total"], len(page["items"]), page["offset"]) == (3, 1, 2)

    async def test_an_unknown_kind_is_a_validation_error(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.get("/audit", params={"kind": "coffee.made"},
                                             headers=bearer(tokens, orgs.doh, "doh_admin"))
        assert is_problem(response, 422)

    async def test_only_doh_administrators_read_it(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.get("/audit",
                                             headers=bearer(tokens, orgs.nhscb, "nhscb_admin"))
        assert is_problem(response, 403)


class TestNoCredentials:
    async def test_no_password_secret_or_token_reaches_the_log_or_the_events(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        secrets = await _every_security_event(identity, orgs, tokens)
        rows = (await identity.session.scalars(select(AuditEvent))).all()
        recorded = json.dumps([[r.kind, r.actor, r.subject, r.ip, r.details] for r in rows])
        published = json.dumps(await outbox_payloads(identity.session))
        assert {r.kind for r in rows} == set(get_args(AuditKind))
        leaks = [s[:12] for s in secrets if s in recorded or s in published]
        assert leaks == []
        assert "$argon2" not in recorded + published

    def test_recording_a_credential_is_a_programming_error(self) -> None:
        with pytest.raises(ValueError, match="client_secret"):
            audit.record(None, "login.failed", actor="x",  # type: ignore[arg-type]
                         details={"client_secret": "s"})


async def _every_security_event(identity: ServiceHarness, orgs: Orgs,
                                tokens: TokenFactory) -> list[str]:
    """Drive every audited action; return each credential that was used or handed out."""
    client, admin = identity.client, bearer(tokens, orgs.pct, "pct_admin")
    user = (await client.post("/users", headers=admin, json={
        "username": "j.bloggs", "display_name": "Jo", "organisation_id": orgs.pct.id,
        "roles": ["pct_commissioner"], "password": NEW_PASSWORD})).json()
    account = (await client.post("/service-accounts", headers=admin, json={
        "display_name": "feed", "organisation_id": orgs.pct.id})).json()
    first: dict[str, Any] = (await client.post(
        "/token", json=password_login("j.bloggs", NEW_PASSWORD))).json()
    other = (await client.post("/token", json=password_login("j.bloggs", NEW_PASSWORD))).json()
    second = (await client.post("/token", json={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"]})).json()
    await client.post("/token", json={"grant_type": "refresh_token",
                                      "refresh_token": first["refresh_token"]})
    await client.post("/logout", json={"refresh_token": other["refresh_token"]})
    for _ in range(5):
        await client.post("/token", json=password_login("j.bloggs", WRONG_PASSWORD))
    await client.post("/token", json=password_login("nobody", WRONG_PASSWORD))
    service = (await client.post("/token", json={
        "grant_type": "client_credentials", "client_id": account["client_id"],
        "client_secret": account["client_secret"], "audience": "market"})).json()
    await client.put(f"/users/{user['id']}/roles", headers=admin, json={"roles": ["pct_admin"]})
    await client.post(f"/users/{user['id']}/disable", headers=admin)
    await rotate_key(identity.session, publish_for=timedelta(hours=1), actor="ops")
    await identity.session.flush()
    return [NEW_PASSWORD, WRONG_PASSWORD, account["client_secret"], first["access_token"],
            first["refresh_token"], second["access_token"], second["refresh_token"],
            other["refresh_token"], service["access_token"],
            first["access_token"].rsplit(".", 1)[1]]
