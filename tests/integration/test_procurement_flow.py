"""Earned autonomy through the broker: assurance's events change which approvals a request needs.

AutonomyGranted / AutonomyRevoked are produced to the (test-prefixed) assurance.autonomy topic,
the procurement worker applies them, and the procurement API then asks for (or stops asking
for) the SHA's sign-off on a request above the framework's £1,000,000 threshold. The relay
publishes procurement's own events to the broker.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert

from services.procurement.database import directory
from shared.db import create_engine
from shared.events.contracts import contract_for
from shared.events.contracts.assurance import AutonomyGranted, AutonomyRevoked
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
