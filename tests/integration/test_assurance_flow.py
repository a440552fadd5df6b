"""Assurance through the real broker: publication and revocation events out; procurement's
contracts and integrators' outcome values in (bad values dead-lettered with the reason)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import text

from shared.db import create_engine
from shared.events.contracts.assurance import OutcomeReported
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


def _produce_reports(stack: Any, reports: list[OutcomeReported]) -> list[Envelope]:
    """Publish outcome values as an integrator's feed would, keyed by PCT, in this order."""
    topic = stack.prefix + "assurance.outcome"
    ensure_topics(stack.bootstrap, with_dlqs([topic]), partitions=3, replication=1)
    producer = make_producer(stack.bootstrap, client_id="it-information-centre")
    envelopes = []
    try:
        for report in reports:
            envelope = new_envelope(source="/integrators/nhs-information-centre",
                                    type_="assurance.outcome.reported.v1",
                                    subject=report.pct_id, data=report.model_dump(mode="json"),
                                    correlation_id="it-outcome-feed")
            producer.send(topic, key=report.pct_id.encode(), value=envelope.to_bytes(),
                          headers=[("content-type", CONTENT_TYPE.encode())]).get(timeout=30)
            envelopes.append(envelope)
    finally:
        producer.close(timeout=5)
    return envelopes


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


GRANTED, REVOKED = "assurance.autonomy.granted.v1", "assurance.autonomy.revoked.v1"
# Linked to competencies 5 and 6, which Year 1 caps at level 2 beyond 10% behind trajectory.
TRAJECTORY = {"metric": "circulatory_deaths", "baseline_year": "2007/08", "baseline": "75",
              "targets": ["70", "66", "62", "58", "55"]}


class TestRevocationOnTheBroker:
    async def test_a_revocation_through_the_api_reaches_the_autonomy_topic(
        self, stack: Any, live_app: Any, tokens: TokenFactory,
    ) -> None:
        url = stack.urls["assurance"]
        await _seed_directory(url)
        settings = stack.settings("assurance")
        async with live_app("assurance", settings) as (_app, client):
            api = Api(client, tokens)
            cycle = await api.open_cycle()
            await api.through(cycle["id"], WORLD.pct_a1, WORLD.sha_a, YEAR_1, 2, "GGA")
            page = await api.call("GET", f"/autonomy-decisions?pct_id={WORLD.pct_a1}",
                                  api.doh())
            [decision] = page["items"]
            assert decision["tier"] == "good_standing"
            revocation = await api.call(
                "POST", f"/autonomy-decisions/{decision['id']}/revocation",
                api.sha_admin(WORLD.sha_a),
                {"reason": "red_governance", "effective_on": "2009-06-01",
                 "note": "board rated red at the June review"})
        async with running_worker("assurance", settings):
            await eventually(lambda: _all_published(url), timeout=60,
                             message="assurance's outbox to drain")

        # One PCT's events share a key, hence a partition: they arrive in the order made.
        events = _events(stack, "assurance.autonomy", 3)
        assert [e.type for e in events] == [GRANTED, REVOKED, GRANTED]
        revoked = events[1]
        assert revoked.subject == WORLD.pct_a1
        assert revoked.data == {
            "decision_id": decision["id"], "pct_id": WORLD.pct_a1, "sha_id": WORLD.sha_a,
            "reason": "red_governance", "note": "board rated red at the June review",
            "revoked_on": "2009-06-01"}
        replacement = events[2].data
        assert (replacement["decision_id"], replacement["replaces_decision_id"]) == (
            revocation["replacement"]["id"], decision["id"])
        assert (replacement["tier"], replacement["valid_from"]) == ("in_difficulty",
                                                                    "2009-06-01")


class TestReportedOutcomesFromTheBroker:
    async def test_a_reported_value_is_applied_and_a_bad_one_dead_lettered(
        self, stack: Any, live_app: Any, tokens: TokenFactory,
    ) -> None:
        url = stack.urls["assurance"]
        await _seed_directory(url)
        settings = stack.settings("assurance")
        async with live_app("assurance", settings) as (_app, client):
            api = Api(client, tokens)
            cycle = await api.open_cycle()
            aid = await api.assessment_id(cycle["id"], WORLD.pct_a1)
            await api.call("PUT", f"/assessments/{aid}/outcomes",
                           api.commissioner(WORLD.pct_a1), {"outcomes": [TRAJECTORY]})

        def reported(metric: str) -> OutcomeReported:
            return OutcomeReported(pct_id=WORLD.pct_a1, cycle_year=YEAR_1, metric=metric,
                                   value=Decimal("80"), source="nhs-information-centre",
                                   reported_on=date(2009, 1, 15))

        # The bad one first, on the same partition: the good one must still get through.
        bad, _good = _produce_reports(stack, [reported("happiness_index"),
                                              reported("circulatory_deaths")])
        async with running_worker("assurance", settings):
            await eventually(lambda: _actual(url, aid), timeout=60,
                             message="the reported value to be applied")

        [dead] = read_topic(stack.bootstrap, stack.prefix + "assurance.outcome.dlq", expected=1,
                            timeout_ms=10_000)
        headers = dict(dead.headers)
        group = (stack.prefix + "assurance").encode()
        assert (headers["dlq.kind"], headers["dlq.group"]) == (b"handler", group)
        assert headers["dlq.error"].decode() == (
            "OutcomeReportRejected: unknown outcome metric 'happiness_index' in wcc-2008-09")
        assert Envelope.from_bytes(dead.value).id == bad.id

        async with live_app("assurance", settings) as (_app, client):
            api = Api(client, tokens)
            read = await api.call("GET", f"/assessments/{aid}", api.commissioner(WORLD.pct_a1))
            [outcome] = read["outcomes"]
            assert (outcome["actual"], outcome["behind_percent"]) == ("80", 14.29)
            await api.submit(aid, WORLD.pct_a1, YEAR_1, 3)
            scored = await api.panel(aid, WORLD.sha_a, YEAR_1, 3)
        levels = {c["code"]: (c["panel_level"], c["capped_level"]) for c in scored["competencies"]}
        assert (levels["5"], levels["6"], levels["7"]) == ((3, 2), (3, 2), (3, 3))
        assert await count(url, "inbox") == 1  # the dead-lettered one left nothing behind


async def _actual(url: str, assessment_id: str) -> bool:
    found = await rows(url, "SELECT actual FROM outcome_value WHERE assessment_id = :id",
                       id=assessment_id)
    return bool(found and found[0]["actual"] == "80")
