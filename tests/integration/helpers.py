"""Reading services' databases and topics from integration tests."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import text

from shared.db import create_engine


async def rows(url: str, sql: str, **params: Any) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql), params)
            return [dict(row) for row in result.mappings().all()]
    finally:
        await engine.dispose()


async def count(url: str, table: str) -> int:
    found = await rows(url, f"SELECT count(*) AS n FROM {table}")
    return int(found[0]["n"])


def read_topic(bootstrap: str, topic: str, *, expected: int | None = None,
               timeout_ms: int = 5000) -> list[Any]:
    """Every record on `topic` from the beginning (no consumer group, nothing committed)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=timeout_ms)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records = []
        for record in consumer:
            records.append(record)
            if expected is not None and len(records) >= expected:
                break
        return records
    finally:
        consumer.close()


def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int | None]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                             enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        return {p: consumer.committed(TopicPartition(topic, p)) for p in sorted(partitions)}
    finally:
        consumer.close()


async def assert_applied_exactly_once(producer_url: str, consumer_url: str, *,
                                      expected: int) -> None:
    """The consumer's inbox holds every event of the producer's outbox once, and applied one
    organisation's events in the order they were written."""
    produced = await rows(producer_url, "SELECT event_id, key FROM outbox ORDER BY id")
    applied = await rows(consumer_url, "SELECT event_id FROM inbox ORDER BY received_at")
    assert len(produced) == expected
    assert len(applied) == expected
    assert {r["event_id"] for r in applied} == {r["event_id"] for r in produced}
    key_of = {r["event_id"]: r["key"] for r in produced}
    written: dict[str, list[str]] = defaultdict(list)
    for row in produced:
        written[row["key"]].append(row["event_id"])
    seen: dict[str, list[str]] = defaultdict(list)
    for row in applied:
        seen[key_of[row["event_id"]]].append(row["event_id"])
    assert seen == written
