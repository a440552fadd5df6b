"""Factory functions for the market service's API tests: principals, runs, outbox rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.market.database import outbox
from services.market.run.executor import ExecutionOptions, execute_run
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory

FAST = ExecutionOptions(progress_interval=0.02, processes=1)

# principal -> (organisation type, role)
PRINCIPALS: dict[str, tuple[str, str]] = {
    "nhscb_admin": ("NHSCB", "nhscb_admin"),
    "nhscb_analyst": ("NHSCB", "nhscb_analyst"),
    "doh_admin": ("DOH", "doh_admin"),
    "sha_admin": ("SHA", "sha_admin"),
    "sha_assessor": ("SHA", "sha_assessor"),
    "ccg_admin": ("CCG", "ccg_admin"),
    "ccg_commissioner": ("CCG", "ccg_commissioner"),
    "pct_commissioner": ("PCT", "pct_commissioner"),
    "doh_dg_commissioning": ("DOH", "doh_dg_commissioning"),
    "csu_admin": ("CSU", "csu_admin"),
    "supplier_bidder": ("SUPPLIER", "supplier_bidder"),
}
RUNNERS = {"nhscb_admin", "nhscb_analyst", "doh_admin", "doh_dg_commissioning"}
READERS = {"sha_admin", "sha_assessor", "ccg_admin", "ccg_commissioner"}


@dataclass(frozen=True)
class People:
    """Tokens for one person of each role, each in an organisation of the role's type."""

    tokens: TokenFactory
    orgs: dict[str, str]

    def headers(self, principal: str = "nhscb_analyst") -> dict[str, str]:
        org_type, role = PRINCIPALS[principal]
        return self.tokens.headers(org_id=self.orgs[org_type], org_type=org_type, roles=[role],
                                   audience="market", subject=f"user:{principal}")


def people(tokens: TokenFactory) -> People:
    types = {org_type for org_type, _ in PRINCIPALS.values()}
    return People(tokens, {org_type: str(uuid.uuid4()) for org_type in types})


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def queue_run(client: httpx.AsyncClient, who: People, **body: Any) -> dict[str, Any]:
    """POST /runs (historical, 20 replications, seed 1 unless given)."""
    payload = {"scenario": "historical", "replications": 20, "seed": 1, **body}
    return ok(await client.post("/runs", json=payload, headers=who.headers()), 202)  # type: ignore[no-any-return]


async def completed_run(market: ServiceHarness, who: People, **body: Any) -> dict[str, Any]:
    """A run queued through the API and executed by the worker-side function."""
    run = await queue_run(market.client, who, **body)
    assert await execute_run(market.app.state.sessionmaker, run["id"], options=FAST) == "completed"
    return ok(await market.client.get(f"/runs/{run['id']}", headers=who.headers()))  # type: ignore[no-any-return]


async def outbox_events(session: AsyncSession, type_: str | None = None) -> list[dict[str, Any]]:
    """The data of the outbox's events (of one type), oldest first."""
    table = outbox.table
    query = select(table.c.type, table.c.payload).order_by(table.c.id)
    if type_ is not None:
        query = query.where(table.c.type == type_)
    rows = (await session.execute(query)).all()
    return [orjson.loads(row.payload)["data"] for row in rows]


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)
