"""identity.organisation events reach every other service's directory exactly once."""

from __future__ import annotations

from typing import Any

from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat

from shared.testing.tokens import TokenFactory
from shared.testing.workers import eventually, running_worker
from tests.integration.helpers import count, read_topic, rows

CONSUMERS = ("assurance", "procurement", "market")


async def _register(client: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post("/organisations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


class TestDirectoryFlow:
    async def test_registered_and_updated_organisations_reach_every_directory_once(
        self, stack: Any, live_app: Any, tokens: TokenFactory,
    ) -> None:
        admin = tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"],
                               audience="identity")
        async with live_app("identity", stack.settings("identity")) as (_app, client):
            doh = await _register(client, admin, code="DH", name="Department of Health",
                                  type="DOH", valid_from="1988-07-25")
            sha = await _register(client, admin, code="Q31", name="North West SHA", type="SHA",
                                  parent_code="DH", valid_from="2006-07-01")
            pct = await _register(client, admin, code="5NT", name="Manchester PCT", type="PCT",
                                  parent_code="Q31", valid_from="2006-10-01")
            renamed = await client.patch(f"/organisations/{pct['id']}",
                                         json={"name": "NHS Manchester"}, headers=admin)
            assert renamed.status_code == 200

        workers = [running_worker(svc, stack.settings(svc)) for svc in ("identity", *CONSUMERS)]
        for worker in workers:
            await worker.__aenter__()
        try:
            for service in CONSUMERS:
                url = stack.urls[service]
                await eventually(lambda url=url: _inbox_has(url, 4), timeout=60,
                                 message=f"{service} to apply 4 events")
        finally:
            for worker in reversed(workers):
                await worker.__aexit__(None, None, None)

        for service in CONSUMERS:
            directory = {row["code"]: row for row in await rows(
                stack.urls[service], "SELECT * FROM organisation_directory")}
            assert set(directory) == {"DH", "Q31", "5NT"}
            assert directory["5NT"]["name"] == "NHS Manchester"
            assert directory["5NT"]["parent_id"] == sha["id"]
            assert directory["Q31"]["parent_id"] == doh["id"]
            assert str(directory["5NT"]["valid_to"]) == "2013-03-31"
            assert directory["5NT"]["organisation_id"] == pct["id"]
            assert await count(stack.urls[service], "inbox") == 4
        assert await count(stack.urls["identity"], "outbox WHERE published_at IS NULL") == 0

    async def test_messages_on_the_broker_are_cloudevents_the_official_sdk_reads(
        self, stack: Any, live_app: Any, tokens: TokenFactory,
    ) -> None:
        admin = tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"],
                               audience="identity")
        async with live_app("identity", stack.settings("identity")) as (_app, client):
            doh = await _register(client, admin, code="DH", name="Department of Health",
                                  type="DOH", valid_from="1988-07-25")
        async with running_worker("identity", stack.settings("identity")):
            await eventually(lambda: _published(stack.urls["identity"]), timeout=30)
        [record] = read_topic(stack.bootstrap, stack.prefix + "identity.organisation",
                              expected=1)
        event = from_kafka(KafkaMessage(headers=dict(record.headers), key=record.key,
                                        value=record.value), JSONFormat())
        assert event.get_type() == "identity.organisation.registered.v1"
        assert event.get_source() == "/services/identity"
        assert event.get_subject() == doh["id"] == record.key.decode()
        assert event.get_data()["code"] == "DH"


async def _published(url: str) -> bool:
    return await count(url, "outbox WHERE published_at IS NULL") == 0


async def _inbox_has(url: str, n: int) -> bool:
    return await count(url, "inbox") >= n
