"""Every error is RFC 9457 problem+json, and a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, status
from sqlalchemy import func, select, text

from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate, OrganisationRead
from shared.app import build_app
from shared.auth import PUBLIC
from shared.config import BaseServiceSettings
from shared.db import SessionDep, create_engine
from shared.errors import RuleViolation
from shared.testing.plugin import settings_for
from shared.testing.tokens import TokenFactory

PROBLEM = "application/problem+json"


def admin(tokens: TokenFactory) -> dict[str, str]:
    return tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"], audience="identity")


async def table_count(session: Any, table: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(text(table))))


class TestRefusedWritesLeaveNothing:
    async def test_invalid_body_is_422_with_field_errors_and_writes_no_row_or_event(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity") as h:
            response = await h.client.post("/organisations", headers=admin(tokens), json={
                "code": "lower case!", "name": "X", "type": "HOSPITAL",
                "valid_from": "not a date", "colour": "blue"})
            assert response.status_code == 422
            assert response.headers["content-type"] == PROBLEM
            body = response.json()
            assert body["status"] == 422 and body["type"].endswith("/validation-error")
            fields = {tuple(e["loc"][1:]) for e in body["errors"]}
            assert fields == {("code",), ("name",), ("type",), ("valid_from",), ("colour",)}
            assert await table_count(h.session, "organisation") == 0
            assert await table_count(h.session, "outbox") == 0

    async def test_a_domain_rule_violation_is_422_and_writes_nothing(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity") as h:
            response = await h.client.post("/organisations", headers=admin(tokens), json={
                "code": "5NT", "name": "Manchester PCT", "type": "PCT", "parent_code": "Q31",
                "valid_from": "2006-10-01"})
            assert response.status_code == 422
            assert response.json()["detail"] == "the parent of a PCT must be an existing SHA"
            assert await table_count(h.session, "organisation") == 0
            assert await table_count(h.session, "outbox") == 0

    async def test_a_duplicate_code_is_409_and_the_first_stays(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        body = {"code": "DH", "name": "Department of Health", "type": "DOH",
                "valid_from": "1988-07-25"}
        async with service_app("identity") as h:
            assert (await h.client.post("/organisations", json=body,
                                        headers=admin(tokens))).status_code == 201
            again = await h.client.post("/organisations", headers=admin(tokens),
                                        json={**body, "name": "Other"})
            assert again.status_code == 409
            assert again.headers["content-type"] == PROBLEM
            assert await table_count(h.session, "organisation") == 1
            assert await table_count(h.session, "outbox") == 1

    async def test_an_oversized_body_is_413_before_any_handler_runs(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity", max_body_bytes=2048) as h:
            response = await h.client.post("/organisations", headers=admin(tokens),
                                           content=b"{" + b" " * 5000 + b"}")
            assert response.status_code == 413
            assert response.json()["title"] == "Payload too large"
            assert await table_count(h.session, "outbox") == 0


def register_then_check(*, refuse: bool) -> APIRouter:
    """A route that registers an organisation (row, history, outbox entry, all flushed) and only
    then runs a further check, as a service function with a late rule does."""
    router = APIRouter(dependencies=[PUBLIC])

    @router.post("/checked-organisations", status_code=status.HTTP_201_CREATED)
    async def register(data: OrganisationCreate, session: SessionDep) -> OrganisationRead:
        organisation = await organisations.register(session, data, actor="test")
        written = await table_count(session, "outbox")
        if refuse:
            raise RuleViolation(f"refused after writing {written} outbox entry",
                                errors=[{"loc": ["body", "code"], "msg": "refused"}])
        return OrganisationRead.model_validate(organisation)

    return router


async def committed_count(url: str, table: str) -> int:
    """Rows visible to another connection, i.e. committed."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    finally:
        await engine.dispose()


class TestALateRuleUndoesTheRequest:
    """Committed for real (live_app, own database), read back over another connection."""

    async def post(self, live_app: Any, url: str, tokens: TokenFactory, *,
                   refuse: bool) -> httpx.Response:
        settings = settings_for("identity", database_url=url, log_json=False,
                                kafka_bootstrap_servers="127.0.0.1:9",
                                token_issuer=tokens.issuer)
        async with live_app("identity", settings) as (app, client):
            app.include_router(register_then_check(refuse=refuse))
            response: httpx.Response = await client.post("/checked-organisations", json={
                "code": "DH", "name": "Department of Health", "type": "DOH",
                "valid_from": "1988-07-25"})
        return response

    async def test_without_the_refusal_the_row_and_event_are_committed(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory,
    ) -> None:
        url = fresh_database("identity")
        response = await self.post(live_app, url, tokens, refuse=False)
        assert response.status_code == 201
        assert await committed_count(url, "organisation") == 1
        assert await committed_count(url, "outbox") == 1

    async def test_a_rule_broken_after_the_row_and_event_were_written_leaves_neither(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory,
    ) -> None:
        url = fresh_database("identity")
        response = await self.post(live_app, url, tokens, refuse=True)
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["type"].endswith("/rule-violation")
        assert body["detail"] == "refused after writing 1 outbox entry"
        assert body["errors"] == [{"loc": ["body", "code"], "msg": "refused"}]
        assert await committed_count(url, "organisation") == 0
        assert await committed_count(url, "organisation_change") == 0
        assert await committed_count(url, "outbox") == 0


class TestUnexpectedErrors:
    async def test_500_hides_internals_and_carries_the_correlation_id(self) -> None:
        router = APIRouter(dependencies=[PUBLIC])

        @router.get("/boom")
        async def boom() -> None:
            raise RuntimeError("secret connection string postgres://u:p@db")

        settings = BaseServiceSettings(service_name="probe",
                                       database_url="sqlite+aiosqlite:///:memory:")
        app = build_app(settings, title="probe", description="probe", routers=[router])
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            response = await client.get("/boom", headers={"X-Correlation-ID": "corr-12345678"})
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM
        assert "secret" not in response.text and "postgres" not in response.text
        assert response.json()["correlation_id"] == "corr-12345678"
        assert response.headers["x-correlation-id"] == "corr-12345678"

    async def test_unknown_routes_are_problem_json_404(self, service_app: Any) -> None:
        async with service_app("assurance") as h:
            response = await h.client.get("/no/such/thing")
            assert response.status_code == 404
            assert response.headers["content-type"] == PROBLEM


def division_by_zero() -> APIRouter:
    """A route whose query fails in the database for a reason that is not the caller's."""
    router = APIRouter(dependencies=[PUBLIC])

    @router.get("/broken")
    async def broken(session: SessionDep) -> None:
        await session.execute(text("SELECT 1 / 0"))

    return router


class TestInputTheServiceCannotRead:
    """Found by the Schemathesis suite (tests/hardening): each was a 400 or a 500 before."""

    async def test_a_body_that_is_not_utf8_is_a_422_json_invalid(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity") as h:
            response = await h.client.post(
                "/organisations", content=b'{"name": "\xff\xfe"}',
                headers={**admin(tokens), "content-type": "application/json"})
            assert response.status_code == 422
            assert response.headers["content-type"] == PROBLEM
            body = response.json()
            assert body["type"].endswith("/validation-error")
            assert body["errors"] == [{"loc": ["body"], "type": "json_invalid",
                                       "msg": "the body is not readable JSON (UTF-8)"}]

    async def test_json_nested_deeper_than_the_parser_goes_is_a_422_too(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity") as h:
            response = await h.client.post(
                "/organisations", content=b"[" * 100_000,
                headers={**admin(tokens), "content-type": "application/json"})
            assert response.status_code == 422
            assert response.json()["errors"][0]["type"] == "json_invalid"

    async def test_nul_in_a_query_parameter_is_a_422_naming_it(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity") as h:
            response = await h.client.get("/organisations?parent=Q3%001",
                                          headers=admin(tokens))
            assert response.status_code == 422
            assert response.json()["errors"] == [{
                "loc": ["query", "parent"], "msg": "text must not contain NUL (U+0000)",
                "type": "string_nul"}]

    async def test_nul_in_a_body_string_is_a_422_and_writes_nothing(
        self, service_app: Any, tokens: TokenFactory,
    ) -> None:
        async with service_app("identity") as h:
            response = await h.client.post("/organisations", headers=admin(tokens), json={
                "code": "DH", "name": "Department\x00of Health", "type": "DOH",
                "valid_from": "1988-07-25"})
            assert response.status_code == 422
            assert response.json()["errors"][0]["loc"] == ["body"]
            assert await table_count(h.session, "organisation") == 0
            assert await table_count(h.session, "outbox") == 0

    async def test_any_other_database_error_is_still_a_500(self, service_app: Any) -> None:
        async with service_app("identity") as h:
            h.app.include_router(division_by_zero())
            response = await h.client.get("/broken")
            assert response.status_code == 500
            assert response.json()["type"].endswith("/internal-error")
