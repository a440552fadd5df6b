"""Creating, listing and reading users: organisation admins manage their own organisation."""

from __future__ import annotations

from typing import Any

from services.identity.user.models import User
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import (
    PASSWORD,
    add_user,
    as_user,
    audit_kinds,
    bearer,
    count,
    is_problem,
    outbox_payloads,
    outbox_types,
    password_login,
)


def new_user(organisation_id: str, *roles: str, username: str = "J.Bloggs") -> dict[str, Any]:
    return {"username": username, "display_name": "Jo Bloggs", "email": "jo@nhs.net",
            "organisation_id": organisation_id, "roles": list(roles), "password": PASSWORD}


class TestCreateUser:
    async def test_a_pct_admin_adds_a_commissioner_to_their_pct(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id, "pct_commissioner"),
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["username"], body["kind"], body["roles"]) == (
            "j.bloggs", "person", ["pct_commissioner"])
        assert not {"password", "secret_hash"} & set(body)
        stored = await identity.session.get(User, body["id"])
        assert stored is not None and stored.secret_hash.startswith("$argon2id$")

    async def test_registration_is_published_and_audited_without_the_password(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        await identity.client.post("/users", json=new_user(orgs.pct.id, "pct_commissioner"),
                                   headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert await outbox_types(identity.session) == ["identity.user.registered.v1"]
        (event,) = await outbox_payloads(identity.session)
        assert event["data"]["roles"] == ["pct_commissioner"]
        assert PASSWORD not in str(event)
        assert await audit_kinds(identity.session) == ["user.created"]

    async def test_the_new_user_can_sign_in_with_the_initial_password(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        await identity.client.post("/users", json=new_user(orgs.pct.id, "pct_commissioner"),
                                   headers=bearer(tokens, orgs.pct, "pct_admin"))
        response = await identity.client.post("/token", json=password_login("j.bloggs"))
        assert response.status_code == 200, response.text

    async def test_a_doh_admin_adds_users_to_any_organisation(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.far_pct.id, "pct_admin"),
            headers=bearer(tokens, orgs.doh, "doh_admin"))
        assert response.status_code == 201
        assert response.json()["organisation_id"] == orgs.far_pct.id

    async def test_an_sha_admin_may_not_add_users_to_its_pcts(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id, "pct_commissioner"),
            headers=bearer(tokens, orgs.sha, "sha_admin"))
        assert is_problem(response, 403)
        assert await count(identity.session, User) == 0


class TestRoleCatalogue:
    async def test_a_role_of_another_organisation_type_is_refused(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id, "pct_commissioner", "sha_admin"),
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert is_problem(response, 422)
        assert response.json()["errors"] == [
            {"loc": ["body", "roles", 1], "msg": "sha_admin is only for SHA users"}]
        assert await count(identity.session, User) == 0
        assert await outbox_types(identity.session) == []

    async def test_a_role_missing_from_the_catalogue_is_refused(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id, "chief_wizard"),
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert is_problem(response, 422)
        assert "not in the role catalogue" in response.json()["errors"][0]["msg"]

    async def test_an_sha_assessor_may_be_a_pct_member(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id, "sha_assessor"),
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert response.status_code == 201

    async def test_the_service_role_is_reserved_for_service_accounts(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id, "service"),
            headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert is_problem(response, 422)

    async def test_a_taken_username_is_a_conflict(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        await add_user(identity.session, orgs.pct, username="j.bloggs")
        response = await identity.client.post(
            "/users", json=new_user(orgs.pct.id), headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert is_problem(response, 409)
        assert await count(identity.session, User) == 1


class TestListUsers:
    async def test_a_doh_admin_sees_every_organisations_users(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        for organisation in (orgs.pct, orgs.far_pct, orgs.supplier):
            await add_user(identity.session, organisation)
        response = await identity.client.get("/users",
                                             headers=bearer(tokens, orgs.doh, "doh_admin"))
        assert response.json()["total"] == 3

    async def test_an_org_admin_sees_only_its_own_organisations_users(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        mine = await add_user(identity.session, orgs.pct)
        await add_user(identity.session, orgs.sibling_pct)
        response = await identity.client.get("/users",
                                             headers=bearer(tokens, orgs.pct, "pct_admin"))
        assert [user["id"] for user in response.json()["items"]] == [mine.id]

    async def test_asking_for_another_organisations_users_is_forbidden(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        response = await identity.client.get(
            "/users", params={"organisation_id": orgs.pct.id},
            headers=bearer(tokens, orgs.sha, "sha_admin"))
        assert is_problem(response, 403)

    async def test_filters_by_kind_and_by_disabled(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        await add_user(identity.session, orgs.pct)
        robot = await add_user(identity.session, orgs.pct, "service", kind="service",
                               client_id="svc-1")
        headers = bearer(tokens, orgs.pct, "pct_admin")
        services = await identity.client.get("/users", params={"kind": "service"},
                                             headers=headers)
        disabled = await identity.client.get("/users", params={"active": "false"},
                                             headers=headers)
        assert [user["id"] for user in services.json()["items"]] == [robot.id]
        assert disabled.json()["total"] == 0


class TestReadUser:
    async def test_a_user_reads_their_own_record(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        me = await add_user(identity.session, orgs.pct, "pct_commissioner")
        response = await identity.client.get(f"/users/{me.id}",
                                             headers=as_user(tokens, me, orgs.pct))
        assert response.json()["username"] == me.username

    async def test_a_colleagues_record_is_not_found_without_admin_rights(
            self, identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> None:
        me = await add_user(identity.session, orgs.pct, "pct_commissioner")
        colleague = await add_user(identity.session, orgs.pct, "pct_commissioner")
        response = await identity.client.get(f"/users/{colleague.id}",
                                             headers=as_user(tokens, me, orgs.pct))
        assert is_problem(response, 404)
