"""Factory functions for assurance API tests: a small directory and a journey through the API."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.database import directory, outbox
from services.assurance.rules.framework import load_framework
from shared.testing.tokens import TokenFactory

YEAR_1, YEAR_2 = "2008/09", "2009/10"
FRAMEWORK = {YEAR_1: "wcc-2008-09", YEAR_2: "wcc-2009-10"}


@dataclass(frozen=True)
class World:
    """DoH and NHS CB; SHA A with PCTs A1, A2; SHA B with PCT B1 (ids are test-only)."""

    doh: str = "org-doh"
    nhscb: str = "org-nhscb"
    sha_a: str = "org-sha-a"
    sha_b: str = "org-sha-b"
    pct_a1: str = "org-pct-a1"
    pct_a2: str = "org-pct-a2"
    pct_b1: str = "org-pct-b1"


WORLD = World()


async def add_org(session: AsyncSession, org_id: str, code: str, type_: str,
                  parent: str | None = None, *, valid_from: date = date(2006, 7, 1),
                  valid_to: date | None = None) -> None:
    await session.execute(directory.insert().values(
        organisation_id=org_id, code=code, name=f"{code} (test)", type=type_, parent_id=parent,
        valid_from=valid_from, valid_to=valid_to, updated_at=datetime.now(UTC)))


async def seed_world(session: AsyncSession) -> World:
    w = WORLD
    await add_org(session, w.doh, "DH", "DOH")
    await add_org(session, w.nhscb, "X24", "NHSCB", valid_from=date(2012, 10, 1))
    await add_org(session, w.sha_a, "QA1", "SHA", w.doh)
    await add_org(session, w.sha_b, "QB1", "SHA", w.doh)
    await add_org(session, w.pct_a1, "PA1", "PCT", w.sha_a)
    await add_org(session, w.pct_a2, "PA2", "PCT", w.sha_a)
    await add_org(session, w.pct_b1, "PB1", "PCT", w.sha_b)
    await session.flush()
    return w


def sub_levels(year: str, levels: int | Sequence[int]) -> dict[str, int]:
    """Every scored sub-competency of the year's framework; a competency's three at its level."""
    framework = load_framework(FRAMEWORK[year])
    scored = framework.scored_competencies
    per = [levels] * len(scored) if isinstance(levels, int) else list(levels)
    assert len(per) == len(scored)
    return {sub.code: level for code, level in zip(scored, per, strict=True)
            for sub in framework.competency(code).sub_competencies}


def rag(spec: str) -> dict[str, str]:
    """"GGA" -> strategy GREEN, finance GREEN, board AMBER."""
    names = {"R": "RED", "A": "AMBER", "G": "GREEN"}
    return dict(zip(("strategy", "finance", "board"), (names[c] for c in spec), strict=True))


def cycle_body(year: str = YEAR_1, **overrides: Any) -> dict[str, Any]:
    start = int(year[:4])
    body = {"year": year, "opens_on": f"{start}-06-30", "self_assessment_due": f"{start}-09-30",
            "panel_from": f"{start}-10-01", "panel_to": f"{start + 1}-01-31",
            "publication_on": f"{start + 1}-03-31"}
    return {**body, **overrides}


def lead_subject(sha: str) -> str:
    return f"user:{sha}-assessor"


def peer_subject(pct: str) -> str:
    return f"user:{pct}-peer"


class Api:
    """The assurance API as each kind of user calls it."""

    def __init__(self, client: httpx.AsyncClient, tokens: TokenFactory) -> None:
        self.client = client
        self.tokens = tokens

    def as_(self, org_id: str, org_type: str, *roles: str,
            subject: str | None = None) -> dict[str, str]:
        return self.tokens.headers(org_id=org_id, org_type=org_type, roles=list(roles),
                                   audience="assurance", subject=subject)

    def doh(self) -> dict[str, str]:
        return self.as_(WORLD.doh, "DOH", "doh_admin", subject="user:doh-admin")

    def commissioner(self, pct: str) -> dict[str, str]:
        return self.as_(pct, "PCT", "pct_commissioner", subject=f"user:{pct}-commissioner")

    def lead(self, sha: str) -> dict[str, str]:
        return self.as_(sha, "SHA", "sha_assessor", subject=lead_subject(sha))

    def peer(self, pct: str) -> dict[str, str]:
        return self.as_(pct, "PCT", "sha_assessor", subject=peer_subject(pct))

    def sha_admin(self, sha: str) -> dict[str, str]:
        return self.as_(sha, "SHA", "sha_admin", subject=f"user:{sha}-admin")

    async def call(self, method: str, url: str, who: dict[str, str], body: Any = None,
                   expect: int = 200) -> Any:
        response = await self.client.request(method, url, headers=who, json=body)
        assert response.status_code == expect, f"{method} {url}: {response.text}"
        if response.headers.get("content-type", "").endswith("json"):
            return response.json()
        return response

    async def open_cycle(self, year: str = YEAR_1, **overrides: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", "/cycles", self.doh(),
                                                 cycle_body(year, **overrides), expect=201)
        return result

    async def assessment_id(self, cycle_id: str, pct: str) -> str:
        page = await self.call("GET", f"/assessments?cycle_id={cycle_id}&pct_id={pct}",
                               self.doh())
        assert page["total"] == 1, page
        return str(page["items"][0]["id"])

    async def submit(self, aid: str, pct: str, year: str,
                     levels: int | Sequence[int]) -> dict[str, Any]:
        await self.call("PATCH", f"/assessments/{aid}/self-assessment", self.commissioner(pct),
                        {"sub_competencies": sub_levels(year, levels)})
        result: dict[str, Any] = await self.call("POST", f"/assessments/{aid}/submission",
                                                 self.commissioner(pct))
        return result

    async def panel(self, aid: str, sha: str, year: str, levels: int | Sequence[int],
                    governance: str = "GGG", peers: Sequence[str] = ()) -> dict[str, Any]:
        """Convene (with peers from the given PCTs), score everything and complete."""
        body = {"peers": [{"subject": peer_subject(p), "organisation_id": p} for p in peers]}
        await self.call("POST", f"/assessments/{aid}/panel", self.lead(sha), body)
        await self.call("PATCH", f"/assessments/{aid}/panel-scores", self.lead(sha),
                        {"sub_competencies": sub_levels(year, levels),
                         "governance": rag(governance)})
        result: dict[str, Any] = await self.call("POST", f"/assessments/{aid}/panel-completion",
                                                 self.lead(sha))
        return result

    async def calibrate(self, aid: str, sha: str, *, recovery: bool = False,
                        regional: dict[str, Any] | None = None,
                        national: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.call("POST", f"/assessments/{aid}/regional-calibration", self.sha_admin(sha),
                        {**(regional or {}), "in_financial_recovery": recovery})
        result: dict[str, Any] = await self.call(
            "POST", f"/assessments/{aid}/national-calibration", self.doh(), national or {})
        return result

    async def publish(self, aid: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("POST", f"/assessments/{aid}/publication",
                                                 self.doh())
        return result

    async def through(self, cycle_id: str, pct: str, sha: str, year: str,
                      levels: int | Sequence[int], governance: str = "GGG", *,
                      self_levels: int | Sequence[int] | None = None, recovery: bool = False,
                      publish: bool = True) -> str:
        """Take the PCT's assessment all the way (to published unless `publish` is False)."""
        aid = await self.assessment_id(cycle_id, pct)
        await self.submit(aid, pct, year, levels if self_levels is None else self_levels)
        await self.panel(aid, sha, year, levels, governance)
        await self.calibrate(aid, sha, recovery=recovery)
        if publish:
            await self.publish(aid)
        return aid


async def count(session: AsyncSession, table: Any, *where: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def outbox_events(session: AsyncSession, type_: str | None = None) -> list[dict[str, Any]]:
    """Envelopes in the outbox (oldest first), optionally of one type."""
    table = outbox.table
    query = select(table.c.payload).order_by(table.c.id)
    if type_ is not None:
        query = query.where(table.c.type == type_)
    return [json.loads(raw) for raw in (await session.scalars(query)).all()]


def is_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body
