"""Factory functions for procurement tests: directory rows, tokens and API steps."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.clock import FixedClock
from services.procurement.database import directory, outbox
from services.procurement.rules.framework import load_framework
from services.procurement.rules.packages import complete_package
from shared.testing.tokens import TokenFactory

START = datetime(2008, 6, 2, 9, 0, tzinfo=UTC)
FRAMEWORK = load_framework(1)
BUSINESS_CASE = ("Our acute contracts overspent by 4% last year and we have no contract "
                 "managers with Payment by Results experience for the 2008/09 round.")
JUSTIFICATION = ("The PCT's commissioning directorate lost eleven of its fourteen staff in the "
                 "2006 merger; the SHA's turnaround plan requires a complete external package "
                 "while a new team is recruited and trained.")
MICRO = {"title": "Managing acute-trust contracts", "package_type": "micro",
         "services": ["acute_contract_management"], "business_case": BUSINESS_CASE,
         "estimated_value_pence": 25_000_000}
MACRO = {"title": "Contracting function", "package_type": "macro", "macro_kind": "function",
         "services": ["acute_contract_management", "provider_procurement"],
         "business_case": BUSINESS_CASE, "estimated_value_pence": 60_000_000}
END_TO_END = {"title": "Complete commissioning support", "package_type": "end_to_end",
              "services": list(complete_package(FRAMEWORK)), "business_case": BUSINESS_CASE,
              "justification": JUSTIFICATION, "estimated_value_pence": 400_000_000}


@dataclass(frozen=True)
class Org:
    id: str
    code: str
    type: str
    parent_id: str | None = None


@dataclass
class World:
    """The organisations of a test and the tokens of people in them."""

    tokens: TokenFactory
    doh: Org
    nhscb: Org
    sha: Org
    other_sha: Org
    pct: Org
    sibling_pct: Org
    far_pct: Org
    suppliers: dict[str, Org] = field(default_factory=dict)

    def headers(self, org: Org, *roles: str, subject: str | None = None) -> dict[str, str]:
        return self.tokens.headers(org_id=org.id, org_type=org.type, roles=roles,
                                   audience="procurement", subject=subject)

    def commissioner(self, org: Org | None = None) -> dict[str, str]:
        return self.headers(org or self.pct, "pct_commissioner")

    def sha_admin(self, org: Org | None = None) -> dict[str, str]:
        return self.headers(org or self.sha, "sha_admin")

    def dg(self) -> dict[str, str]:
        return self.headers(self.doh, "doh_dg_commissioning")

    def doh_admin(self) -> dict[str, str]:
        return self.headers(self.doh, "doh_admin")

    def bidder(self, code: str) -> dict[str, str]:
        return self.headers(self.suppliers[code], "supplier_bidder")


async def add_org(session: AsyncSession, code: str, type_: str,
                  parent: Org | None = None) -> Org:
    org = Org(str(uuid.uuid4()), code, type_, parent.id if parent else None)
    await session.execute(insert(directory).values(
        organisation_id=org.id, code=code, name=f"{code} (test)", type=type_,
        parent_id=org.parent_id, valid_from=date(2006, 7, 1), valid_to=None,
        updated_at=datetime.now(UTC)))
    return org


async def add_directory(session: AsyncSession, tokens: TokenFactory) -> World:
    doh = await add_org(session, "DH", "DOH")
    sha = await add_org(session, "Q31", "SHA", doh)
    other_sha = await add_org(session, "Q30", "SHA", doh)
    world = World(tokens=tokens, doh=doh, nhscb=await add_org(session, "X24", "NHSCB"),
                  sha=sha, other_sha=other_sha, pct=await add_org(session, "5NT", "PCT", sha),
                  sibling_pct=await add_org(session, "5NR", "PCT", sha),
                  far_pct=await add_org(session, "5D7", "PCT", other_sha))
    for supplier in FRAMEWORK.suppliers:
        world.suppliers[supplier.code] = await add_org(session, supplier.code, "SUPPLIER")
    return world


async def outbox_types(session: AsyncSession) -> list[str]:
    return list((await session.scalars(
        select(outbox.table.c.type).order_by(outbox.table.c.id))).all())


async def outbox_payloads(session: AsyncSession, type_: str) -> list[dict[str, Any]]:
    rows = (await session.scalars(select(outbox.table.c.payload).where(
        outbox.table.c.type == type_).order_by(outbox.table.c.id))).all()
    return [json.loads(row)["data"] for row in rows]


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def is_problem(response: httpx.Response, status: int) -> bool:
    return (response.status_code == status
            and response.headers["content-type"] == "application/problem+json")


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def raise_request(client: httpx.AsyncClient, world: World, body: dict[str, Any] | None = None,
                        *, org: Org | None = None, **changes: Any) -> dict[str, Any]:
    response = await client.post("/requests", json={**(body or MICRO), **changes},
                                 headers=world.commissioner(org))
    return ok(response, 201)


async def sign(client: httpx.AsyncClient, world: World, request: dict[str, Any], role: str,
               decision: str = "approved", reason: str = "") -> httpx.Response:
    headers = {"sha": world.sha_admin(), "dg_commissioning": world.dg(),
               "doh_joint_venture": world.dg()}[role]
    return await client.post(f"/requests/{request['id']}/signoffs", headers=headers, json={
        "role": role, "decision": decision, "reason": reason,
        "content_hash": request["content_hash"]})


async def approved_request(client: httpx.AsyncClient, world: World,
                           body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A request with every sign-off it needs given."""
    request = await raise_request(client, world, body)
    for approval in request["approvals"]:
        request = ok(await sign(client, world, request, approval["role"]))
    assert request["status"] == "approved"
    return request


def deadlines(clock: FixedClock, clarification_days: int = 7,
              bid_days: int = 14) -> dict[str, str]:
    now = clock.now()
    return {"clarification_deadline": (now + timedelta(days=clarification_days)).isoformat(),
            "bid_deadline": (now + timedelta(days=bid_days)).isoformat()}


async def open_call_off(client: httpx.AsyncClient, world: World, clock: FixedClock,
                        body: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    request = await approved_request(client, world, body)
    response = await client.post("/call-offs", headers=world.commissioner(), json={
        "request_id": request["id"], **deadlines(clock), **changes})
    return ok(response, 201)


def fixed_fee(price: int, instalments: int = 4) -> dict[str, Any]:
    return {"payment_model": "fixed_fee",
            "payment_terms": {"total_fee_pence": price, "instalments": instalments}}


ANSWERS = {"approach": "Monthly contract reviews", "capability": "Six PbR analysts",
           "outcomes": "Overspend below 1%"}


async def bid(client: httpx.AsyncClient, world: World, call_off: dict[str, Any], code: str,
              price: int, **terms: Any) -> dict[str, Any]:
    body = {"price_pence": price, "answers": ANSWERS, **(terms or fixed_fee(price))}
    response = await client.post(f"/call-offs/{call_off['id']}/bids", json=body,
                                 headers=world.bidder(code))
    return ok(response, 201)


async def score(client: httpx.AsyncClient, world: World, bid_id: str,
                **scores: int) -> dict[str, Any]:
    response = await client.put(f"/bids/{bid_id}/scores", headers=world.commissioner(),
                                json={"scores": scores})
    return ok(response)


async def awarded_call_off(client: httpx.AsyncClient, world: World, clock: FixedClock,
                           body: dict[str, Any] | None = None, *, supplier: str = "FESC01",
                           price: int = 24_000_000, **terms: Any) -> dict[str, Any]:
    """A call-off with one scored bid, awarded (the clock is then on the award day)."""
    call_off = await open_call_off(client, world, clock, body)
    placed = await bid(client, world, call_off, supplier, price, **terms)
    clock.advance(days=15)
    await score(client, world, placed["id"], approach=4, capability=4, outcomes=4)
    return ok(await client.post(f"/call-offs/{call_off['id']}/award",
                                headers=world.commissioner()))


async def signed_contract(client: httpx.AsyncClient, world: World, clock: FixedClock,
                          *, price: int = 24_000_000, start: str = "2008-07-01",
                          end: str = "2009-06-30", **terms: Any) -> dict[str, Any]:
    """A micro contract with FESC01 on the given payment terms, signed by both parties."""
    call_off = await awarded_call_off(client, world, clock, price=price, **terms)
    clock.advance(days=11)
    contract = ok(await client.post(f"/call-offs/{call_off['id']}/contract",
                                    headers=world.commissioner(),
                                    json={"start_date": start, "end_date": end}), 201)
    ok(await client.post(f"/contracts/{contract['id']}/sign", headers=world.commissioner()))
    return ok(await client.post(f"/contracts/{contract['id']}/sign",
                                headers=world.bidder("FESC01")))
