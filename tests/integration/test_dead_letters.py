"""Events that cannot be applied go to the DLQ with their error; the ones behind still apply."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.events.consumer import ConsumerConfig
from shared.events.envelope import Envelope, new_envelope
from shared.events.topics import ensure_topics, with_dlqs
from shared.testing.kafka import send_in_order
from shared.testing.workers import eventually, running_worker
from tests.integration.helpers import committed_offsets, count, read_topic, rows

TYPE = "identity.organisation.registered.v1"


def organisation(code: str, organisation_id: str | None = None) -> dict[str, Any]:
    return {"organisation_id": organisation_id or str(uuid.uuid4()), "code": code,
            "name": f"Supplier {code}", "type": "SUPPLIER", "valid_from": "2007-10-05"}


def envelope(data: dict[str, Any]) -> bytes:
    return new_envelope(source="/services/identity", type_=TYPE, subject="k", data=data,
                        correlation_id="test-dlq", time=datetime.now(UTC)).to_bytes()


class TestDeadLetters:
    async def test_poison_events_are_dead_lettered_and_the_partition_moves_on(
        self, stack: Any,
    ) -> None:
        topic = stack.prefix + "identity.organisation"
        await asyncio.to_thread(ensure_topics, stack.bootstrap, with_dlqs([topic]),
                                partitions=3, replication=1)
        incomplete = organisation("BAD1")
        del incomplete["code"]
        messages = [
            b"this is not json",                          # malformed envelope
            envelope(incomplete),                         # breaks the payload contract
            envelope(organisation("DUP")),                # applies
            envelope(organisation("DUP")),                # same code, another id: handler fails
            envelope(organisation("GOOD")),               # behind the poison: must still apply
        ]
        send_in_order(stack.bootstrap, topic, messages, key=b"same-key")

        async with running_worker("assurance", stack.settings("assurance",
                                                              consumer_max_retries=2)):
            await eventually(lambda: _committed(stack, topic, 5), timeout=60,
                             message="the partition to move past all five records")

        codes = {r["code"] for r in await rows(stack.urls["assurance"],
                                               "SELECT code FROM organisation_directory")}
        assert codes == {"DUP", "GOOD"}
        dead = read_topic(stack.bootstrap, topic + ".dlq", expected=3)
        assert [dict(r.headers)["dlq.kind"] for r in dead] == [b"malformed", b"contract",
                                                                b"handler"]
        assert [r.value for r in dead] == [messages[0], messages[1], messages[3]]
        errors = [dict(r.headers)["dlq.error"].decode() for r in dead]
        assert "malformed envelope" in errors[0]
        assert "code" in errors[1]
        assert "IntegrityError" in errors[2]
        group = (stack.prefix + "assurance").encode()
        assert all(dict(r.headers)["dlq.group"] == group for r in dead)

    async def test_a_poison_event_in_a_group_commit_is_dead_lettered_and_the_rest_apply_in_order(
        self, stack: Any, caplog: pytest.LogCaptureFixture,
    ) -> None:
        topic = stack.prefix + "identity.organisation"
        await asyncio.to_thread(ensure_topics, stack.bootstrap, with_dlqs([topic]),
                                partitions=3, replication=1)
        good = [envelope(organisation(f"G{i:02d}")) for i in range(20)]
        # Another organisation claiming G03's code: the handler's insert breaks the unique
        # code, so the group commit holding it fails as a whole.
        poison = envelope(organisation("G03"))
        messages = [*good[:8], poison, *good[8:]]
        assert len(good) >= ConsumerConfig.batch_min
        send_in_order(stack.bootstrap, topic, messages, key=b"same-key")

        caplog.set_level(logging.INFO, logger="shared.events.consumer")
        async with running_worker("assurance", stack.settings("assurance",
                                                              consumer_max_retries=2)):
            await eventually(lambda: _committed(stack, topic, len(messages)), timeout=60,
                             message="the partition to move past all 21 records")

        fell_back = [r for r in caplog.records
                     if r.getMessage() == "batch not applied; applying its events one by one"]
        # One group commit held the poison, failed as a whole, and went event by event.
        assert len(fell_back) == 1
        assert fell_back[0].events >= ConsumerConfig.batch_min
        assert "IntegrityError" in fell_back[0].error

        dead = read_topic(stack.bootstrap, topic + ".dlq", expected=1, timeout_ms=3000)
        assert [r.value for r in dead] == [poison]
        headers = dict(dead[0].headers)
        assert headers["dlq.kind"] == b"handler"
        assert "IntegrityError" in headers["dlq.error"].decode()
        assert headers["dlq.offset"] == b"8"

        good_ids = [Envelope.from_bytes(value).id for value in good]
        applied = await rows(stack.urls["assurance"],
                             "SELECT event_id FROM inbox ORDER BY received_at")
        assert [r["event_id"] for r in applied] == good_ids  # each once, in offset order
        assert await count(stack.urls["assurance"], "organisation_directory") == 20
        holder = await rows(stack.urls["assurance"], "SELECT organisation_id FROM "
                            "organisation_directory WHERE code = 'G03'")
        assert holder == [{"organisation_id": Envelope.from_bytes(good[3]).data[
            "organisation_id"]}]


async def _committed(stack: Any, topic: str, n: int) -> bool:
    found = await asyncio.to_thread(committed_offsets, stack.bootstrap,
                                    stack.prefix + "assurance", topic)
    return sum(v or 0 for v in found.values()) == n
