"""GET requests run in a read-only session: a write attempted there is a 500 and leaves nothing.

Committed for real (live_app, a database of its own), read back over another connection. On
PostgreSQL the read-only session runs in AUTOCOMMIT, where a write would otherwise be committed
statement by statement: these tests prove none gets through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text, update

from services.identity.organisation import service as organisations
from services.identity.organisation.models import Organisation
from services.identity.organisation.schemas import OrganisationCreate
from shared.auth import PUBLIC
from shared.db import SessionDep, create_engine
from shared.migrations import upgrade
from shared.testing.plugin import settings_for
from shared.testing.tokens import TokenFactory
from tests.shared.test_problem_json import PROBLEM, admin, committed_count

DH = {"code": "DH", "name": "Department of Health", "type": "DOH", "valid_from": "1988-07-25"}


def writing_reads() -> APIRouter:
    """GET routes that break the rule in each way a handler could."""
    router = APIRouter(dependencies=[PUBLIC])

    @router.get("/register-on-read")
    async def register(session: SessionDep) -> dict[str, str]:
        organisation = await organisations.register(  # adds rows and flushes them
            session, OrganisationCreate.model_validate({**DH, "code": "X1"}), actor="test")
        return {"id": organisation.id}

    @router.get("/add-without-flush")
    async def add(session: SessionDep) -> dict[str, str]:
        session.add(Organisation(code="X2", name="Never flushed", type="DOH", version=1))
        return {}

    @router.get("/rename-on-read/{organisation_id}")
    async def rename(organisation_id: str, session: SessionDep) -> dict[str, str]:
        await session.execute(update(Organisation).where(Organisation.id == organisation_id)
                              .values(name="Renamed by a GET"))
        return {}

    @router.get("/change-a-loaded-row/{organisation_id}")
    async def change(organisation_id: str, session: SessionDep) -> dict[str, str]:
        (await organisations.get(session, organisation_id)).name = "Changed by a GET"
        return {}

    return router


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, fresh_database: Any, tmp_path: Path) -> str:
    """A migrated identity database of its own: PostgreSQL (AUTOCOMMIT reads) or SQLite."""
    if request.param == "postgresql":
        return str(fresh_database("identity"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    upgrade(Path(__file__).parents[2] / "services" / "identity" / "migrations", url)
    return url


async def committed_name(url: str) -> str:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SELECT name FROM organisation"))).scalar_one())
    finally:
        await engine.dispose()


async def open_client(live_app: Any, url: str, tokens: TokenFactory) -> Any:
    settings = settings_for("identity", database_url=url, log_json=False,
                            kafka_bootstrap_servers="127.0.0.1:9", token_issuer=tokens.issuer)
    return live_app("identity", settings)


async def test_a_get_that_writes_is_a_500_and_nothing_is_committed(
    live_app: Any, database: str, tokens: TokenFactory,
) -> None:
    url = database
    async with await open_client(live_app, url, tokens) as (app, client):
        app.include_router(writing_reads())
        created = await client.post("/organisations", json=DH, headers=admin(tokens))
        assert created.status_code == 201
        org_id = created.json()["id"]
        for path in ("/register-on-read", "/add-without-flush", f"/rename-on-read/{org_id}",
                     f"/change-a-loaded-row/{org_id}"):
            response: httpx.Response = await client.get(path)
            assert response.status_code == 500, path
            assert response.headers["content-type"] == PROBLEM
            assert "read-only" not in response.text  # internals stay in the log
        read = await client.get(f"/organisations/{org_id}", headers=admin(tokens))
    assert read.status_code == 200 and read.json()["name"] == DH["name"]
    assert await committed_count(url, "organisation") == 1
    assert await committed_count(url, "organisation_change") == 1
    assert await committed_count(url, "outbox") == 1  # the POST's event only
    assert await committed_name(url) == DH["name"]


async def test_writes_still_commit_and_a_get_sees_them_at_once(
    live_app: Any, database: str, tokens: TokenFactory,
) -> None:
    url = database
    async with await open_client(live_app, url, tokens) as (_app, client):
        org_id = (await client.post("/organisations", json=DH, headers=admin(tokens))).json()["id"]
        changed = await client.patch(f"/organisations/{org_id}", json={"name": "DH (renamed)"},
                                     headers=admin(tokens))
        assert changed.status_code == 200
        read = await client.get(f"/organisations/{org_id}", headers=admin(tokens))
    assert read.json()["name"] == "DH (renamed)" and read.json()["version"] == 2
    assert await committed_name(url) == "DH (renamed)"
