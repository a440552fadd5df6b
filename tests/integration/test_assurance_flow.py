"""Assurance through the real broker: publication events out, procurement's contracts in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import text

from shared.db import create_engine
from shared.events.contracts.procurement import ContractAwarded
from shared.events.envelope import CONTENT_TYPE, Envelope, new_envelope
from shared.events.relay import make_producer
from shared.events.topics import ensure_topics, with_dlqs
from shared.testing.tokens import TokenFactory
from shared.testing.workers import eventually, running_worker
from tests.assurance.helpers import WORLD, YEAR_1, Api
from tests.integration.helpers import count, read_topic, rows

ORGANISATIONS = [
    (WORLD.doh, "DH", "DOH", None), (WORLD.sha_a, "QA1", "SHA", WORLD.doh),
    (WORLD.pct_a1, "PA1", "PCT", WORLD.sha_a), (WORLD.pct_a2, "PA2", "PCT", WORLD.sha_a),
]


async def _seed_directory(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        for org_id, code, type_, parent in ORGANISATIONS:
            await conn.execute(text(
                "INSERT INTO organisation_directory (organisation_id, code, name, type, "
                "parent_id, valid_from, valid_to, updated_at) VALUES (:id, :code, :name, :type, "
                ":parent, :valid_from, NULL, :now)"), {
                "id": org_id, "code": code, "name": f"{code} (test)", "type": type_,
                "parent": parent, "valid_from": date(2006, 7, 1), "now": datetime.now(UTC)})
    await engine.dispose()


def _produce_contract(stack: Any, pct_id: str) -> ContractAwarded:
    topic = stack.prefix + "procurement.contract"
    ensure_topics(stack.bootstrap, with_dlqs([topic]), partitions=3, replication=1)
    payload = ContractAwarded(
        contract_id="contract-it-1", call_off_id="call-off-it-1", pct_id=pct_id,
        sha_id=WORLD.sha_a, supplier_id="supplier-bupa", package_type="micro",
        groupings=["assessment_and_planning"], payment_model="fixed_fee",
        value_pence=4_500_000, start_date=date(2009, 2, 1), end_date=date(2009, 7, 31))
    envelope = new_envelope(source="/services/procurement",
                            type_="procurement.contract.awarded.v1",
                            subject=payload.contract_id, data=payload.model_dump(mode="json"),
                            correlation_id="it-assurance-flow")
    producer = make_producer(stack.bootstrap, client_id="it-procurement")
    try:
        producer.send(topic, key=payload.contract_id.encode(), value=envelope.to_bytes(),
                      headers=[("content-type", CONTENT_TYPE.encode())]).get(timeout=30)
    finally:
        producer.close(timeout=5)
    return payload


def _events(stack: Any, topic: str, expected: int) -> list[Envelope]:
    records = read_topic(stack.bootstrap, stack.prefix + topic, expected=expected,
                         timeout_ms=10_000)
    return [Envelope.model_validate(orjson.loads(record.value)) for record in records]


class TestAssuranceFlow:
    async def test_publication_reaches_the_broker_and_contracts_reach_the_assessment(
        self, stack: Any, live_app: Any, tokens: TokenFactory,
    ) -> None:
        url = stack.urls["assurance"]
        await _seed_directory(url)
        settings = stack.settings("assurance")
        async with live_app("assurance", settings) as (_app, client):
            api = Api(client, tokens)
            cycle = await api.open_cycle()
            published = await api.through(cycle["id"], WORLD.pct_a1, WORLD.sha_a, YEAR_1,
                                          [3, 3, 3, 3, 2, 2, 1, 3, 3, 3], "GGA")
            draft = await api.assessment_id(cycle["id"], WORLD.pct_a2)
        needs = len(await rows(url, "SELECT id FROM support_need"))
        assert needs == 3

        payload = _produce_contract(stack, WORLD.pct_a2)
        async with running_worker("assurance", settings):
            await eventually(lambda: _all_published(url), timeout=60,
                             message="assurance's outbox to drain")
            await eventually(lambda: _recorded(url, payload.contract_id), timeout=60,
                             message="the contract to be applied")

        [rated] = _events(stack, "assurance.assessment", 1)
        assert (rated.type, rated.subject) == ("assurance.assessment.rated.v1", published)
        assert rated.data["competency_levels"]["7"] == 1
        [granted] = _events(stack, "assurance.autonomy", 1)
        assert (granted.type, granted.subject) == ("assurance.autonomy.granted.v1", WORLD.pct_a1)
        assert granted.data["tier"] == "in_difficulty"
        identified = _events(stack, "assurance.support_need", needs)
        assert sorted(e.data["competency"] for e in identified) == ["5", "6", "7"]
        assert {e.type for e in identified} == {"assurance.support_need.identified.v1"}

        async with live_app("assurance", settings) as (_app, client):
            api = Api(client, tokens)
            read = await api.call("GET", f"/assessments/{draft}", api.doh())
        assert [(e["contract_id"], e["value_pence"]) for e in read["external_support"]] == [
            ("contract-it-1", 4_500_000)]
        assert await count(url, "inbox") == 1


async def _all_published(url: str) -> bool:
    return await count(url, "outbox WHERE published_at IS NULL") == 0


async def _recorded(url: str, contract_id: str) -> bool:
    found = await rows(url, "SELECT assessment_id FROM external_support WHERE contract_id = "
                            ":id", id=contract_id)
    return bool(found and found[0]["assessment_id"])
