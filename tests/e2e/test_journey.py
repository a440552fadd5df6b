"""The commissioning journey across the four services, as its users live it.

Every service runs as its own processes (API and worker) on real PostgreSQL and Kafka; every
call goes through an API with a token the identity service issued. Between services only
Kafka carries the news (organisations, ratings, autonomy, support needs, contracts), so each
step that depends on another service waits until its users can see the result.

Procurement's clock runs in June 2009 (PROCUREMENT_CLOCK_START); where the journey needs days
to pass (the bid deadline, the standstill period) procurement's API is restarted with its clock
moved on, as an operator would, which also shows that it stops cleanly and keeps its data.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from fractions import Fraction
from typing import Any

import httpx
import pytest

from shared.testing.workers import eventually
from tests.e2e.assurance_steps import (
    autonomy_and_support,
    calibrate_and_publish,
    external_support_on_record,
    open_cycle,
    open_next_cycle,
    panel_scores,
    self_assess,
)
from tests.e2e.conftest import Platform
from tests.e2e.journey import NEW_PASSWORD, POPULATION, WAIT, Journey, day, journey, step
from tests.e2e.procurement_steps import (
    contract_and_payment,
    end_to_end_request,
    evaluate_and_award,
    mini_competition,
    procurement_dashboard,
    sign_off,
)

pytestmark = pytest.mark.timeout(900)


async def test_the_commissioning_journey(platform: Platform) -> None:
    clients = {svc: httpx.AsyncClient(base_url=platform.url(svc), timeout=60)
               for svc in ("identity", "assurance", "procurement", "market")}
    j = journey(clients, platform.demo_password)
    try:
        with step("people sign in at identity; the DoH administrator enrols the others"):
            await enrol(j)
        with step("an NHS CB analyst queues a baseline market run"):
            await baseline_run(j)
        with step("DoH opens the 2008/09 cycle"):
            await open_cycle(j)
        with step("the PCT self-assesses"):
            await self_assess(j)
        with step("its SHA's panel scores"):
            await panel_scores(j)
        with step("the SHA and DoH calibrate; DoH publishes"):
            await calibrate_and_publish(j)
        with step("autonomy is decided and support needs found"):
            await autonomy_and_support(j)
        with step("the support needs reach the PCT's procurement dashboard"):
            await procurement_dashboard(j)
        with step("the PCT raises an end-to-end request citing exceptional circumstances"):
            await end_to_end_request(j)
        with step("the director general and the SHA sign off"):
            await sign_off(j)
        with step("a mini-competition opens and three suppliers bid"):
            await mini_competition(j)
        with step("the bid deadline passes (procurement restarted two days on)"):
            await move_procurement_clock(j, platform, j.made["bid_deadline"] + timedelta(hours=1))
        with step("the PCT scores the bids and awards"):
            await evaluate_and_award(j)
        with step("DoH opens the 2009/10 cycle"):
            await open_next_cycle(j)
        with step("standstill ends (procurement restarted the day after)"):
            ends = day(j.made["call_off"]["standstill_ends"]) + timedelta(days=1)
            await move_procurement_clock(j, platform, datetime.combine(
                ends, time(9), tzinfo=j.made["bid_deadline"].tzinfo))
        with step("the contract is made, signed by both sides, and a payment computed"):
            await contract_and_payment(j)
        with step("the PCT's next assessment shows the external support on record"):
            await external_support_on_record(j)
        with step("a market run takes the observed contract price into account"):
            await market_run(j)
    finally:
        for client in clients.values():
            await client.aclose()
    with step("every service shuts down cleanly"):
        exits = platform.stop()
        assert exits == dict.fromkeys(exits, 0), exits
        assert len(exits) == 8


async def enrol(j: Journey) -> None:
    """Demo users sign in; a peer assessor from a neighbouring PCT and two more suppliers'
    bid managers are added by the DoH administrator and sign in with their own passwords."""
    admin = j.sign_in("doh.admin")
    claims = await admin.claims()
    page = await j.identity.get("/organisations", admin, limit=500)
    j.orgs = {o["code"]: o for o in page["items"]}
    assert page["total"] == len(page["items"]) > 160
    assert (claims["org_id"], claims["org_type"], claims["roles"]) == (
        j.org("DH"), "DOH", ["doh_admin"])
    assert j.orgs["5NT"]["parent_code"] == "Q31" and j.orgs["Q31"]["parent_code"] == "DH"
    for username in ("doh.dg", "nhscb.analyst", "q31.admin", "q31.assessor", "5nt.commissioner",
                     "fesc01.bidder"):
        j.sign_in(username)
    neighbours = await j.identity.get("/organisations", admin, type="PCT", parent="Q31",
                                      active_on="2008-11-14", limit=500)
    peer_pct = next(o for o in neighbours["items"] if o["code"] != "5NT")
    j.made["peer_pct"] = peer_pct["id"]
    newcomers = [("e2e.peer", peer_pct["code"], "sha_assessor"),
                 ("fesc02.bidder", "FESC02", "supplier_bidder"),
                 ("fesc03.bidder", "FESC03", "supplier_bidder")]
    for username, code, role in newcomers:
        user = await j.identity.post("/users", admin, {
            "username": username, "display_name": f"{username} (e2e)",
            "organisation_id": j.org(code), "roles": [role], "password": NEW_PASSWORD},
            expect=201)
        assert (user["organisation_id"], user["roles"]) == (j.org(code), [role])
        person = j.sign_in(username, NEW_PASSWORD)
        assert await person.subject() == user["id"]
        assert (await person.claims("procurement"))["aud"] == "procurement"


async def baseline_run(j: Journey) -> None:
    run = await j.market.post("/runs", j["nhscb.analyst"], {
        "scenario": "historical", "replications": 20, "seed": 2009}, expect=202)
    assert run["status"] == "queued"
    inputs = run["inputs"]
    assert (inputs["ratings"], inputs["observed_contracts"], inputs["price_factor"],
            inputs["applied"]) == (0, 0, 1.0, {})
    j.made["baseline_run"] = run


async def move_procurement_clock(j: Journey, platform: Platform, to: datetime) -> None:
    """Restart procurement's API with its clock at `to`: it stops cleanly, keeps its data."""
    code = platform.restart_api("procurement", clock_start=to.isoformat())
    assert code == 0, "procurement's API did not stop cleanly"
    board = await j.procurement.get(f"/pcts/{j.org('5NT')}/dashboard", j["5nt.commissioner"])
    assert len(board["recommendations"]) == 3  # nothing lost across the restart


async def market_run(j: Journey) -> None:
    """Once market has the rating and the contract, a new run's inputs price them in."""
    analyst = j["nhscb.analyst"]

    async def observed() -> dict[str, Any] | None:
        inputs: dict[str, Any] = (await j.market.get("/calibration", analyst))["inputs"]
        return inputs if (inputs["ratings"], inputs["priced_contracts"]) == (1, 1) else None

    await eventually(observed, timeout=WAIT, interval=1.0,
                     message="the rating and the contract in market's calibration inputs")
    run = await j.market.post("/runs", analyst, {
        "scenario": "historical", "replications": 20, "seed": 2009}, expect=202)
    inputs = run["inputs"]
    # £3.8m over 1,096 days (3.0007 years) for 440,000 people: 287.8p a head a year
    per_head = Fraction(380_000_000, POPULATION) / (Fraction(1096) / Fraction(36525, 100))
    assert (inputs["ratings"], inputs["reliant_share"]) == (1, 0.0)  # mean level 2.7
    assert (inputs["observed_contracts"], inputs["priced_contracts"]) == (1, 1)
    assert inputs["mean_price_per_head_pence"] == round(per_head) == 288
    assert inputs["price_factor"] < 1.0  # below the model's £8.50: private suppliers cheaper
    assert "private.unit_cost" in inputs["applied"]
    runs = [j.made["baseline_run"], run]

    async def finished() -> bool:
        states = [(await j.market.get(f"/runs/{r['id']}", analyst))["status"] for r in runs]
        assert "failed" not in states, states
        return states == ["completed", "completed"]

    await eventually(finished, timeout=WAIT, interval=1.0, message="both market runs")
    # Same scenario and seed: the difference is the observations'. Cheaper private suppliers
    # (and a stronger commissioner) leave the private sector a larger share at the end.
    comparison = await j.market.get("/runs/compare", analyst, a=runs[0]["id"], b=runs[1]["id"])
    assert comparison["outputs"]["private_share"]["difference"][-1] > 0, comparison
