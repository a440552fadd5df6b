"""Procurement benchmarks: evaluating a call-off with 14 bids; OCDS export of 1,000 processes.

`run() -> dict` (or `python -m bench.procurement_bench`) works on the embedded default, a
migrated SQLite file in a temporary directory, through the real app in process (httpx over
ASGI, real tokens, the service functions underneath):

- evaluation: a micro call-off whose 14 invitees all bid (the benchmark approves every supplier
  for every list and grouping; the reference data approves at most 8 for any one package), the
  PCT scores every bid, then GET /call-offs/{id}/evaluation is timed (MEAT over 14 bids, with
  the scope checks and queries), the award once, and the pure rules.evaluation.evaluate alone;
- OCDS: 1,000 call-offs opened through the service functions (one in ten taken on to a signed
  contract, so releases carry awards, contracts and risk allocations), then the change feed is
  read end to end (pages of 500) and every process's release package is fetched one by one.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, update

from services.procurement.app import create_app
from services.procurement.call_off import service as call_offs
from services.procurement.call_off.schemas import CallOffCreate
from services.procurement.cli import MIGRATIONS
from services.procurement.clock import FixedClock
from services.procurement.config import Settings
from services.procurement.database import directory
from services.procurement.request import service as requests
from services.procurement.request.schemas import RequestCreate
from services.procurement.rules import evaluation as meat
from services.procurement.supplier.models import Supplier
from services.procurement.supplier.service import seed
from shared.auth import Principal, StaticKeys, TokenVerifier
from shared.db import session_scope
from shared.migrations import upgrade
from shared.testing.tokens import TokenFactory

START = datetime(2008, 6, 2, 9, 0, tzinfo=UTC)
CASE = "The PCT lacks contract managers with Payment by Results experience this year."
MICRO = {"title": "Managing acute-trust contracts", "package_type": "micro",
         "services": ["acute_contract_management"], "business_case": CASE,
         "estimated_value_pence": 25_000_000}
ANSWERS = {"approach": "a", "capability": "b", "outcomes": "c"}
CODES = [f"FESC{n:02d}" for n in range(1, 15)]


class Bench:
    """The app on a fresh SQLite database, its clock, and tokens for its people."""

    def __init__(self, app: Any, client: httpx.AsyncClient, tokens: TokenFactory,
                 orgs: dict[str, str]) -> None:
        self.app, self.client, self.tokens, self.orgs = app, client, tokens, orgs
        self.clock: FixedClock = app.state.clock

    def headers(self, code: str, role: str) -> dict[str, str]:
        org_type = "PCT" if code == "5NT" else "SUPPLIER" if code.startswith("FESC") else "DOH"
        return self.tokens.headers(org_id=self.orgs[code], org_type=org_type, roles=[role],
                                   audience="procurement")

    def principal(self, code: str, role: str) -> Principal:
        return Principal(subject=f"bench:{role}", org_id=self.orgs[code], org_type="PCT",
                         roles=frozenset({role}), token_id="bench", expires_at=2**40)

    async def call(self, method: str, path: str, headers: dict[str, str],
                   body: dict[str, Any] | None = None, status: int = 200) -> Any:
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()


@asynccontextmanager
async def bench_app(workdir: Path) -> AsyncIterator[Bench]:
    url = f"sqlite+aiosqlite:///{workdir / 'procurement.db'}"
    upgrade(MIGRATIONS, url)
    tokens = TokenFactory()
    app = create_app(Settings(database_url=url, log_level="WARNING", log_json=False,
                              token_issuer=tokens.issuer))
    app.state.verifier = TokenVerifier(StaticKeys(tokens.key_set), issuer=tokens.issuer,
                                       audience="procurement")
    app.state.clock = FixedClock(START)
    async with app.router.lifespan_context(app):
        orgs = await _directory(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield Bench(app, client, tokens, orgs)


async def _directory(app: Any) -> dict[str, str]:
    """DoH > SHA > PCT and the 14 suppliers, every supplier approved for everything."""
    orgs = {code: f"org-{code}" for code in ("DH", "Q31", "5NT", *CODES)}
    parents = {"Q31": orgs["DH"], "5NT": orgs["Q31"]}
    types = {"DH": "DOH", "Q31": "SHA", "5NT": "PCT"}
    async with session_scope(app.state.sessionmaker) as session:
        for code, org_id in orgs.items():
            await session.execute(insert(directory).values(
                organisation_id=org_id, code=code, name=code,
                type=types.get(code, "SUPPLIER"), parent_id=parents.get(code),
                valid_from=date(2006, 7, 1), updated_at=START))
        await seed(session, app.state.framework, now=START)
        await session.execute(update(Supplier).values(
            approved_lists=["micro", "macro", "end_to_end"],
            approved_groupings=[g.code for g in app.state.framework.groupings]))
    return orgs


async def timed(action: Callable[[], Awaitable[Any]], repeats: int) -> dict[str, float]:
    """Median, p95 and mean milliseconds of `repeats` runs of `action`."""
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 3),
            "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 3),
            "mean_ms": round(statistics.fmean(samples), 3), "runs": repeats}


async def call_off_with_bids(bench: Bench, bids: int) -> dict[str, Any]:
    """An awarded-ready call-off: `bids` suppliers bid, the clock passes the deadline."""
    pct = bench.headers("5NT", "pct_commissioner")
    request = await bench.call("POST", "/requests", pct, MICRO, 201)
    now = bench.clock.now()
    call_off = await bench.call("POST", "/call-offs", pct, {
        "request_id": request["id"], "clarification_deadline": str(now + timedelta(days=7)),
        "bid_deadline": str(now + timedelta(days=14))}, 201)
    placed = []
    for index, code in enumerate(CODES[:bids]):
        price = 20_000_000 + 137_000 * index
        placed.append(await bench.call(
            "POST", f"/call-offs/{call_off['id']}/bids", bench.headers(code, "supplier_bidder"),
            {"price_pence": price, "answers": ANSWERS, "payment_model": "fixed_fee",
             "payment_terms": {"total_fee_pence": price, "instalments": 4}}, 201))
    bench.clock.advance(days=15)
    for index, bid in enumerate(placed):
        scores = {"approach": index % 6, "capability": (index * 2) % 6, "outcomes": 5 - index % 6}
        await bench.call("PUT", f"/bids/{bid['id']}/scores", pct, {"scores": scores})
    return call_off


async def evaluation_bench(bench: Bench, *, bids: int = 14, repeats: int = 200,
                           ) -> dict[str, Any]:
    call_off = await call_off_with_bids(bench, bids)
    pct = bench.headers("5NT", "pct_commissioner")
    path = f"/call-offs/{call_off['id']}/evaluation"
    api = await timed(lambda: bench.call("GET", path, pct), repeats)
    ranking = (await bench.call("GET", path, pct))["ranking"]
    began = time.perf_counter()
    await bench.call("POST", f"/call-offs/{call_off['id']}/award", pct)
    award_ms = (time.perf_counter() - began) * 1000
    pure = _pure_evaluation(bids, repeats * 10)
    return {"bids": bids, "api_evaluation": api, "award_ms": round(award_ms, 3),
            "rules_only": pure, "winner": ranking[0]["supplier_id"],
            "winner_total": ranking[0]["total"]}


def _pure_evaluation(bids: int, repeats: int) -> dict[str, float]:
    criteria = [meat.Criterion("approach", 25, 5), meat.Criterion("capability", 20, 5),
                meat.Criterion("outcomes", 15, 5)]
    entries = [meat.Bid(f"FESC{i:02d}", 20_000_000 + 137_000 * i,
                        {"approach": i % 6, "capability": (i * 2) % 6, "outcomes": 5 - i % 6},
                        START) for i in range(bids)]
    began = time.perf_counter()
    for _ in range(repeats):
        meat.evaluate(entries, criteria=criteria, price_weight=40, quality_weight=60)
    per_run = (time.perf_counter() - began) / repeats
    return {"mean_us": round(per_run * 1e6, 2), "runs": repeats}


async def open_processes(bench: Bench, processes: int, contracted_every: int) -> list[str]:
    """`processes` call-offs through the service functions, one in `contracted_every` signed."""
    ids: list[str] = []
    data = RequestCreate.model_validate(MICRO)
    pct = bench.principal("5NT", "pct_commissioner")
    framework = bench.app.state.framework
    for batch in range(0, processes, 100):
        async with session_scope(bench.app.state.sessionmaker) as session:
            for _ in range(batch, min(batch + 100, processes)):
                now = bench.clock.now()
                request = await requests.raise_request(session, data, by=pct, now=now,
                                                       framework=framework)
                call_off = await call_offs.publish(session, CallOffCreate(
                    request_id=request.id, clarification_deadline=now + timedelta(days=7),
                    bid_deadline=now + timedelta(days=14)), by=pct, now=now,
                    framework=framework)
                ids.append(call_off.id)
    for call_off_id in ids[::contracted_every]:
        await _to_signed_contract(bench, call_off_id)
    return ids


async def _to_signed_contract(bench: Bench, call_off_id: str) -> None:
    pct = bench.headers("5NT", "pct_commissioner")
    supplier = bench.headers("FESC01", "supplier_bidder")
    saved = bench.clock.now()
    await bench.call("POST", f"/call-offs/{call_off_id}/bids", supplier, {
        "price_pence": 24_000_000, "answers": ANSWERS, "payment_model": "risk_reward",
        "payment_terms": {"base_fee_pence": 6_000_000, "at_risk_percent": "10",
                          "kpis": [{"code": "reviews", "weight": 1, "target": "12"}]}}, 201)
    bench.clock.advance(days=15)
    [bid] = await bench.call("GET", f"/call-offs/{call_off_id}/bids", pct)
    await bench.call("PUT", f"/bids/{bid['id']}/scores", pct,
                     {"scores": {"approach": 4, "capability": 4, "outcomes": 4}})
    await bench.call("POST", f"/call-offs/{call_off_id}/award", pct)
    bench.clock.advance(days=11)
    start = bench.clock.now().date() + timedelta(days=1)
    contract = await bench.call("POST", f"/call-offs/{call_off_id}/contract", pct, {
        "start_date": str(start), "end_date": str(start + timedelta(days=730))}, 201)
    await bench.call("POST", f"/contracts/{contract['id']}/sign", pct)
    await bench.call("POST", f"/contracts/{contract['id']}/sign", supplier)
    bench.clock.set(saved)


async def ocds_bench(bench: Bench, *, processes: int = 1000,
                     contracted_every: int = 10) -> dict[str, Any]:
    began = time.perf_counter()
    ids = await open_processes(bench, processes, contracted_every)
    setup_s = time.perf_counter() - began
    began = time.perf_counter()
    releases, pages, cursor, size = 0, 0, "", 0
    while True:
        response = await bench.client.get("/ocds/changes", params={"cursor": cursor,
                                                                    "limit": 500})
        page = response.json()
        releases, pages = releases + len(page["package"]["releases"]), pages + 1
        size += len(response.content)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    feed_s = time.perf_counter() - began
    began = time.perf_counter()
    for call_off_id in ids:
        assert (await bench.client.get(f"/ocds/call-offs/{call_off_id}")).status_code == 200
    packages_s = time.perf_counter() - began
    return {"processes": processes, "setup_s": round(setup_s, 2),
            "feed": {"releases": releases, "pages": pages, "seconds": round(feed_s, 3),
                     "releases_per_s": round(releases / feed_s), "bytes": size},
            "packages_one_by_one": {"seconds": round(packages_s, 3),
                                    "per_process_ms": round(packages_s / processes * 1000, 3)}}


async def _run(processes: int, bids: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="procurement-bench-") as workdir:
        async with bench_app(Path(workdir)) as bench:
            evaluation = await evaluation_bench(bench, bids=bids)
            export = await ocds_bench(bench, processes=processes)
    return {"backend": "sqlite (embedded default, in-process ASGI)",
            "evaluation": evaluation, "ocds_export": export}


def run(*, processes: int = 1000, bids: int = 14) -> dict[str, Any]:
    """Both benchmarks; figures in milliseconds or seconds as named."""
    return asyncio.run(_run(processes, bids))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
