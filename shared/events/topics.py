"""Explicit topic creation (the broker never auto-creates topics)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.events.contracts import dlq_topic

log = logging.getLogger(__name__)


def with_dlqs(topics: Iterable[str]) -> list[str]:
    """Each topic and its dead-letter topic."""
    return sorted({name for topic in topics for name in (topic, dlq_topic(topic))})


def ensure_topics(bootstrap: str, names: Iterable[str], *, partitions: int, replication: int,
                  timeout: float = 30.0) -> None:
    """Create the missing topics and wait until the broker reports all of them."""
    wanted = set(names)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="topic-admin",
                             request_timeout_ms=int(timeout * 1000))
    try:
        missing = wanted - set(admin.list_topics())
        for name in sorted(missing):
            try:
                admin.create_topics([NewTopic(name, partitions, replication)])
                log.info("created topic", extra={"topic": name, "partitions": partitions})
            except TopicAlreadyExistsError:
                pass
        deadline = time.monotonic() + timeout
        while wanted - set(admin.list_topics()):
            if time.monotonic() > deadline:
                missing = wanted - set(admin.list_topics())
                raise TimeoutError(f"topics not visible: {sorted(missing)}")
            time.sleep(0.1)
    finally:
        admin.close()
