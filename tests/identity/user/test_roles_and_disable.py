"""Changing a user's roles and disabling a user: the rules, the events and the audit."""

from __future__ import annotations

from sqlalchemy import func, select

from services.identity.audit.models import AuditEvent
from services.identity.user.models import User
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import (
    add_user,
    as_user,
    audit_kinds,
    bearer,
    is_problem,
    outbox_payloads,
    outbox_types,
    password_login,
)


class TestChangeRoles:
    async def test_replaces_the_roles_and_publishes_what_changed(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        response = await identity.client.put(
            f"/users/{user.id}/roles", json={"roles": ["sha_assessor", "pct_admin"]},
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert response.json()["roles"] == ["pct_admin", "sha_assessor"]
        (event,) = await outbox_payloads(identity.session)
        assert event["type"] == "identity.user.roles_changed.v1"
        assert (event["data"]["added"], event["data"]["removed"]) == (
            ["pct_admin", "sha_assessor"], ["pct_commissioner"])
        assert await audit_kinds(identity.session) == ["user.roles_changed"]

    async def test_the_same_roles_again_change_and_publish_nothing(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        response = await identity.client.put(
            f"/users/{user.id}/roles", json={"roles": ["pct_commissioner"]},
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert response.json()["version"] == 1
        assert await outbox_types(identity.session) == []

    async def test_a_role_for_another_organisation_type_changes_nothing(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        response = await identity.client.put(
            f"/users/{user.id}/roles", json={"roles": ["supplier_bidder"]},
            headers=bearer(tokens, orgs.doh, "doh_admin"))
        assert is_problem(response, 422)
        stored = await identity.session.get(User, user.id, populate_existing=True)
        assert stored is not None and stored.roles == ["pct_commissioner"]
        assert await outbox_types(identity.session) == []

    async def test_an_admin_cannot_change_their_own_roles(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        admin = await add_user(identity.session, orgs.sha, "sha_admin")
        response = await identity.client.put(
            f"/users/{admin.id}/roles", json={"roles": ["sha_admin", "sha_assessor"]},
            headers=as_user(tokens, admin, orgs.sha))
        assert is_problem(response, 403)

    async def test_a_service_account_keeps_the_service_role(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        robot = await add_user(identity.session, orgs.sha, "service", kind="service",
                               client_id="svc-1")
        response = await identity.client.put(
            f"/users/{robot.id}/roles", json={"roles": ["sha_assessor"]},
            headers=bearer(tokens, orgs.sha, "sha_admin"))
        assert response.json()["roles"] == ["service", "sha_assessor"]


class TestDisable:
    async def test_a_disabled_user_cannot_sign_in(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.supplier, "supplier_bidder")
        response = await identity.client.post(
            f"/users/{user.id}/disable", headers=bearer(tokens, orgs.supplier, "supplier_admin"))
        assert response.json()["disabled_at"] is not None
        login = await identity.client.post("/token", json=password_login(user.username))
        assert is_problem(login, 401)

    async def test_disabling_revokes_sessions_and_publishes_both_facts(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct, "pct_commissioner")
        await identity.client.post("/token", json=password_login(user.username))
        await identity.client.post(f"/users/{user.id}/disable",
                                   headers=bearer(tokens, orgs.pct, "pct_admin"))
        events = await outbox_payloads(identity.session)
        assert [e["type"] for e in events] == [
            "identity.user.disabled.v1", "identity.session.revoked.v1"]
        assert {e["subject"] for e in events} == {user.id}
        assert events[1]["data"]["reason"] == "user_disabled"

    async def test_disabling_twice_records_it_once(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        user = await add_user(identity.session, orgs.pct)
        for _ in range(2):
            response = await identity.client.post(
                f"/users/{user.id}/disable", headers=bearer(tokens, orgs.pct, "pct_admin"))
            assert response.status_code == 200
        assert await outbox_types(identity.session) == ["identity.user.disabled.v1"]

    async def test_the_audit_names_the_administrator(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        admin = await add_user(identity.session, orgs.pct, "pct_admin")
        user = await add_user(identity.session, orgs.pct)
        await identity.client.post(f"/users/{user.id}/disable",
                                   headers=as_user(tokens, admin, orgs.pct))
        event = await identity.session.get(AuditEvent, await _last_audit_id(identity))
        assert event is not None
        assert (event.kind, event.actor, event.subject, event.org_id) == (
            "user.disabled", admin.id, user.id, orgs.pct.id)


async def _last_audit_id(identity: ServiceHarness) -> int:
    return int(await identity.session.scalar(select(func.max(AuditEvent.id))) or 0)
