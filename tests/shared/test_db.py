"""The PostgreSQL pool: a connection the server dropped while it sat idle is never handed out."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from shared.db import IDLE_PING_AFTER
from shared.testing.plugin import settings_for
from shared.testing.tokens import TokenFactory

OTHER_BACKENDS = ("SELECT pid FROM pg_stat_activity "
                  "WHERE datname = current_database() AND pid <> pg_backend_pid()")


async def server_side(url: str, sql: str) -> list[int]:
    """Run `sql` on its own connection (outside the app's pool); the first column of each row."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            return [row[0] for row in await conn.execute(text(sql))]
    finally:
        await engine.dispose()


class TestIdleConnections:
    async def test_a_request_after_the_server_dropped_the_idle_pool_still_succeeds(
        self, live_app: Any, fresh_database: Any, tokens: TokenFactory,
    ) -> None:
        url = fresh_database("identity")
        settings = settings_for("identity", database_url=url, log_json=False,
                                kafka_bootstrap_servers="127.0.0.1:9",
                                token_issuer=tokens.issuer)
        headers = tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"],
                                 audience="identity")
        body = {"code": "DH", "name": "Department of Health", "type": "DOH",
                "valid_from": "1988-07-25"}
        async with live_app("identity", settings) as (_app, client):
            assert (await client.post("/organisations", json=body,
                                      headers=headers)).status_code == 201
            pooled = await server_side(url, OTHER_BACKENDS)
            assert pooled, "the pool keeps its connections open between requests"

            # An idle-connection reaper (or a server restart) ends every pooled backend
            # while the service is quiet.
            await asyncio.sleep(IDLE_PING_AFTER + 0.5)
            pids = ",".join(str(pid) for pid in pooled)
            assert await server_side(
                url, f"SELECT bool_and(pg_terminate_backend(pid)) FROM unnest(ARRAY[{pids}]) "
                     "AS pid") == [True]

            response = await client.get("/organisations", headers=headers)
            assert response.status_code == 200
            assert [item["code"] for item in response.json()["items"]] == ["DH"]
            replacements = await server_side(url, OTHER_BACKENDS)
        assert replacements
        assert not set(replacements) & set(pooled)  # served by a new backend
