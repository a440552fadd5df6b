"""Procurement through the real broker: what it consumes from assurance and what it produces.

- Earned autonomy: AutonomyGranted / AutonomyRevoked are produced to the (test-prefixed)
  assurance.autonomy topic, the procurement worker applies them, and the procurement API then
  asks for (or stops asking for) the SHA's sign-off on a request above the framework's
  £1,000,000 threshold.
- The PCT dashboard: assurance.support_need.identified and assurance.assessment.rated, produced
  to the broker, reach the worker and show as a recommendation and the recorded rating.
- Produced topics: a micro package run through the API to its first payment; the relay
  publishes each step to procurement.call_off, .bid, .contract and .payment, read back from
  Kafka, and no bid price travels on the bid topic.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert

from services.procurement.clock import FixedClock
from services.procurement.database import directory
from services.procurement.reference import effective_framework
from services.procurement.supplier.service import seed
from shared.db import create_engine, create_sessionmaker
from shared.events.contracts import contract_for
from shared.events.contracts.assurance import (
    AssessmentRated,
    AutonomyGranted,
    AutonomyRevoked,
    SupportNeedIdentified,
)
from shared.events.envelope import new_envelope
from shared.events.relay import make_producer
from shared.events.topics import ensure_topics, with_dlqs
from shared.testing.tokens import TokenFactory
from shared.testing.workers import eventually, running_worker
from tests.integration.helpers import count, read_topic, rows

ABOVE_THRESHOLD = 150_000_000  # £1.5m
REQUEST = {"title": "Managing acute-trust contracts", "package_type": "micro",
           "services": ["acute_contract_management"],
           "business_case": "Our acute contracts overspent by 4% and we lack PbR expertise.",
           "estimated_value_pence": ABOVE_THRESHOLD}


async def add_directory(url: str) -> dict[str, str]:
    ids = {code: str(uuid.uuid4()) for code in ("DH", "Q31", "5NT")}
    parents = {"DH": None, "Q31": ids["DH"], "5NT": ids["Q31"]}
    types = {"DH": "DOH", "Q31": "SHA", "5NT": "PCT"}
    engine = create_engine(url)
    async with engine.begin() as conn:
        for code, org_id in ids.items():
            await conn.execute(insert(directory).values(
                organisation_id=org_id, code=code, name=code, type=types[code],
                parent_id=parents[code], valid_from=date(2006, 7, 1),
                updated_at=datetime.now(UTC)))
    await engine.dispose()
    return ids


def produce(stack: Any, payload: BaseModel) -> None:
    entry = contract_for(payload)
    topic = stack.prefix + entry.topic
    ensure_topics(stack.bootstrap, with_dlqs([topic]), partitions=3, replication=1)
    envelope = new_envelope(source="/services/assurance", type_=entry.type,
                            subject=str(getattr(payload, entry.key_field)),
                            data=payload.model_dump(mode="json"), correlation_id="it-autonomy")
    producer = make_producer(stack.bootstrap, client_id="test-assurance")
    try:
        producer.send(topic, key=envelope.subject.encode(), value=envelope.to_bytes(),
                      headers=[("content-type", b"application/cloudevents+json")]).get(30)
    finally:
        producer.close(timeout=10)


async def roles_needed(client: Any, headers: dict[str, str]) -> list[str]:
    response = await client.post("/requests", json=REQUEST, headers=headers)
    assert response.status_code == 201, response.text
    return [approval["role"] for approval in response.json()["approvals"]]


async def freedom_status(url: str) -> str | None:
    found = await rows(url, "SELECT status FROM pct_freedoms")
    return found[0]["status"] if found else None


class TestAutonomyChangesApprovals:
    async def test_granted_then_revoked_autonomy_through_the_broker(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        url = stack.urls["procurement"]
        ids = await add_directory(url)
        settings = stack.settings("procurement", clock_start="2009-06-01T09:00:00Z")
        pct = tokens.headers(org_id=ids["5NT"], org_type="PCT", roles=["pct_commissioner"],
                             audience="procurement")
        grant = AutonomyGranted(
            decision_id="decision-1", pct_id=ids["5NT"], sha_id=ids["Q31"], cycle_id="2008-09",
            tier="earned_autonomy", reasons=["governance all green"],
            valid_from=date(2009, 4, 1), valid_to=date(2010, 3, 31),
            freedoms={"review_frequency_months": 3,
                      "financial_autonomy_threshold_pence": 200_000_000,
                      "joint_ventures_without_doh_permission": False})
        revoke = AutonomyRevoked(decision_id="decision-1", pct_id=ids["5NT"], sha_id=ids["Q31"],
                                 reason="financial_recovery", note="Deficit at month 3",
                                 revoked_on=date(2009, 6, 1))

        async with live_app("procurement", settings) as (_app, client), \
                running_worker("procurement", settings):
            assert await roles_needed(client, pct) == ["sha"]

            await asyncio.to_thread(produce, stack, grant)
            await eventually(lambda: _status_is(url, "granted"), timeout=60,
                             message="the worker to apply AutonomyGranted")
            assert await roles_needed(client, pct) == []

            await asyncio.to_thread(produce, stack, revoke)
            await eventually(lambda: _status_is(url, "revoked"), timeout=60,
                             message="the worker to apply AutonomyRevoked")
            assert await roles_needed(client, pct) == ["sha"]

            await eventually(lambda: _all_published(url), timeout=60,
                             message="the relay to publish procurement's events")

        assert await count(url, "inbox") == 2
        records = await asyncio.to_thread(read_topic, stack.bootstrap,
                                          stack.prefix + "procurement.request", expected=3)
        created = sorted((json.loads(r.value)["time"], json.loads(r.value)["data"])
                         for r in records)
        assert [data["approvals_needed"] for _time, data in created] == [["sha"], [], ["sha"]]


async def _status_is(url: str, status: str) -> bool:
    return await freedom_status(url) == status


async def _all_published(url: str) -> bool:
    return await count(url, "outbox WHERE published_at IS NULL") == 0


class TestAssuranceEventsReachTheDashboard:
    async def test_a_support_need_and_a_rating_through_the_broker(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        url = stack.urls["procurement"]
        ids = await add_directory(url)
        settings = stack.settings("procurement", clock_start="2009-06-01T09:00:00Z")
        pct = tokens.headers(org_id=ids["5NT"], org_type="PCT", roles=["pct_commissioner"],
                             audience="procurement")
        need = SupportNeedIdentified(
            support_need_id="need-c5", assessment_id="assessment-2009", pct_id=ids["5NT"],
            sha_id=ids["Q31"], competency="C5", competency_name="Manage knowledge and assess "
            "needs", level=1, target_level=3, support_form="analytical_tools",
            grouping="assessment_and_planning", package_type="micro")
        rating = AssessmentRated(
            assessment_id="assessment-2009", cycle_id="2008-09", cycle_year="2008/09",
            framework_version="2008-09", pct_id=ids["5NT"], sha_id=ids["Q31"],
            competency_levels={"C1": 2, "C5": 1, "C11": None},
            governance={"strategy": "GREEN", "finance": "AMBER", "board": "GREEN"},
            league_score=61.5, published_on=date(2009, 5, 20))

        async with live_app("procurement", settings) as (_app, client), \
                running_worker("procurement", settings):
            dashboard = f"/pcts/{ids['5NT']}/dashboard"
            empty = (await client.get(dashboard, headers=pct)).json()
            assert empty["rating"] is None and empty["recommendations"] == []

            await asyncio.to_thread(produce, stack, need)
            await asyncio.to_thread(produce, stack, rating)
            shown = await eventually(lambda: _dashboard_filled(client, dashboard, pct),
                                     timeout=60, message="the worker to apply both events")

        [recommendation] = shown["recommendations"]
        assert (recommendation["competency"], recommendation["grouping"],
                recommendation["package_type"], recommendation["status"]) == (
            "C5", "assessment_and_planning", "micro", "open")
        assert (shown["rating"]["assessment_id"], shown["rating"]["league_score"],
                shown["rating"]["published_on"]) == ("assessment-2009", 61.5, "2009-05-20")
        assert shown["rating"]["governance"]["finance"] == "AMBER"
        assert await count(url, "inbox") == 2
        [history] = await rows(url, "SELECT action, actor FROM change "
                                    "WHERE aggregate = 'recommendation'")
        assert history == {"action": "identified",
                           "actor": "system:assurance.support_need.identified.v1"}


async def _dashboard_filled(client: Any, path: str, headers: dict[str, str]) -> Any:
    body = (await client.get(path, headers=headers)).json()
    return body if body["rating"] and body["recommendations"] else None


PRICE = 24_123_457  # distinctive: found anywhere on a topic, it is a leak


async def add_suppliers(url: str, settings: Any) -> dict[str, str]:
    """The 14 framework suppliers, seeded and linked to SUPPLIER organisations."""
    ids = {f"FESC{n:02d}": str(uuid.uuid4()) for n in range(1, 15)}
    engine = create_engine(url)
    async with engine.begin() as conn:
        for code, org_id in ids.items():
            await conn.execute(insert(directory).values(
                organisation_id=org_id, code=code, name=code, type="SUPPLIER", parent_id=None,
                valid_from=date(2007, 10, 5), updated_at=datetime.now(UTC)))
    async with create_sessionmaker(engine)() as session:
        await seed(session, effective_framework(settings),
                   now=datetime(2007, 10, 5, tzinfo=UTC))
        await session.commit()
    await engine.dispose()
    return ids


async def micro_package(client: Any, clock: FixedClock,
                        headers: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A micro package from request to its first payment; FESC01 wins against FESC06."""
    async def call(method: str, path: str, who: str, body: Any = None,
                   status: int = 200) -> Any:
        response = await client.request(method, path, headers=headers[who], json=body)
        assert response.status_code == status, response.text
        return response.json()

    request = await call("POST", "/requests", "pct", {**REQUEST,
                                                      "estimated_value_pence": 25_000_000}, 201)
    now = clock.now()
    call_off = await call("POST", "/call-offs", "pct", {
        "request_id": request["id"],
        "clarification_deadline": (now + timedelta(days=7)).isoformat(),
        "bid_deadline": (now + timedelta(days=14)).isoformat()}, 201)
    answers = {"approach": "Monthly reviews", "capability": "PbR analysts",
               "outcomes": "Overspend below 1%"}
    bids = [await call("POST", f"/call-offs/{call_off['id']}/bids", code, {
        "price_pence": price, "answers": answers, "payment_model": "fixed_fee",
        "payment_terms": {"total_fee_pence": price, "instalments": 4}}, 201)
        for code, price in (("FESC01", PRICE), ("FESC06", 19_876_543))]
    clock.advance(days=15)
    for placed, marks in zip(bids, (5, 2), strict=True):
        await call("PUT", f"/bids/{placed['id']}/scores", "pct",
                   {"scores": {"approach": marks, "capability": marks, "outcomes": marks}})
    await call("POST", f"/call-offs/{call_off['id']}/award", "pct")
    clock.advance(days=11)
    contract = await call("POST", f"/call-offs/{call_off['id']}/contract", "pct",
                          {"start_date": "2008-07-01", "end_date": "2009-06-30"}, 201)
    await call("POST", f"/contracts/{contract['id']}/sign", "pct")
    await call("POST", f"/contracts/{contract['id']}/sign", "FESC01")
    await call("POST", f"/contracts/{contract['id']}/payments", "pct",
               {"period": "2008-Q3", "figures": {}}, 201)
    return {"call_off": call_off, "bids": bids, "contract": contract}


class TestProducedTopics:
    async def test_a_micro_package_on_the_broker_without_bid_prices(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        url = stack.urls["procurement"]
        ids = await add_directory(url)
        settings = stack.settings("procurement", clock_start="2008-06-02T09:00:00Z")
        suppliers = await add_suppliers(url, settings)
        headers = {"pct": tokens.headers(org_id=ids["5NT"], org_type="PCT",
                                         roles=["pct_commissioner"], audience="procurement")}
        headers |= {code: tokens.headers(org_id=suppliers[code], org_type="SUPPLIER",
                                         roles=["supplier_bidder"], audience="procurement")
                    for code in ("FESC01", "FESC06")}

        async with live_app("procurement", settings) as (app, client), \
                running_worker("procurement", settings):
            clock = app.state.clock = FixedClock(datetime(2008, 6, 2, 9, tzinfo=UTC))
            flow = await micro_package(client, clock, headers)
            await eventually(lambda: _all_published(url), timeout=60,
                             message="the relay to publish procurement's events")

        topics = {name: await asyncio.to_thread(read_topic, stack.bootstrap,
                                                f"{stack.prefix}procurement.{name}",
                                                expected=expected)
                  for name, expected in (("call_off", 2), ("bid", 2), ("contract", 2),
                                         ("payment", 1))}
        events = {name: sorted((json.loads(r.value) for r in records), key=lambda e: e["time"])
                  for name, records in topics.items()}
        assert {name: [e["type"] for e in found] for name, found in events.items()} == {
            "call_off": ["procurement.call_off.published.v1",
                         "procurement.call_off.awarded.v1"],
            "bid": ["procurement.bid.submitted.v1"] * 2,
            "contract": ["procurement.contract.awarded.v1", "procurement.contract.signed.v1"],
            "payment": ["procurement.payment.calculated.v1"]}
        call_off_id, contract_id = flow["call_off"]["id"], flow["contract"]["id"]
        assert {r.key.decode() for r in topics["call_off"] + topics["bid"]} == {call_off_id}
        assert {r.key.decode() for r in topics["contract"] + topics["payment"]} == {contract_id}
        assert events["call_off"][1]["data"]["supplier_id"] == "FESC01"
        assert events["contract"][0]["data"]["value_pence"] == PRICE  # the contract's value
        assert events["payment"][0]["data"]["amount_pence"] == 6_030_864  # PRICE / 4, floored

        submitted = [e["data"] for e in events["bid"]]
        assert [(d["supplier_id"], d["bid_id"]) for d in submitted] == [
            ("FESC01", flow["bids"][0]["id"]), ("FESC06", flow["bids"][1]["id"])]
        assert all(set(d) == {"bid_id", "call_off_id", "supplier_id", "submitted_at",
                              "version"} for d in submitted)
        for record in topics["bid"] + topics["call_off"]:
            assert b"price" not in record.value
            assert str(PRICE).encode() not in record.value
            assert b"19876543" not in record.value
