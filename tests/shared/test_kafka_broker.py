"""The real Apache Kafka broker harness (deploy/kafka/broker.sh + shared.testing.kafka).

These start a real single-node KRaft broker from the Maven Central jars on free ports in a tmp
dir, so they need Java 17 (and Maven on the very first run, to fetch the jars).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.producer.future import RecordMetadata

from shared.testing.kafka import BROKER_SCRIPT, KafkaBroker, create_topics, free_port, wait_ready

pytestmark = pytest.mark.integration

KEYS = [f"case-{i}" for i in range(10)]

# (partition, offset, key, value) of one record
Row = tuple[int, int, str, str]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker]:
    if shutil.which("java") is None:
        pytest.fail("java is not installed (apt-get install -y openjdk-17-jre-headless maven)")
    kafka = KafkaBroker(tmp_path_factory.mktemp("kafka"))
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.stop()
        kafka.stop()  # idempotent
    assert not kafka.is_running()


def _produce(bootstrap: str, topic: str, start: int, count: int) -> list[Row]:
    """Send ``count`` records with acks=all; return what the broker acknowledged."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = []
        for seq in range(start, start + count):
            key = KEYS[seq % len(KEYS)]
            value = f"{key}:{seq}"
            futures.append(
                (key, value, producer.send(topic, key=key.encode(), value=value.encode()))
            )
        producer.flush(timeout=30)
        acked: list[Row] = []
        for key, value, future in futures:
            meta: RecordMetadata = future.get(timeout=30)
            acked.append((meta.partition, meta.offset, key, value))
        return acked
    finally:
        producer.close(timeout=10)


def _consume(bootstrap: str, topic: str, group: str, expected: int, *, commit: bool) -> list[Row]:
    """Read ``expected`` records in the consumer group (fail if more arrive within 1 s)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    rows: list[Row] = []
    try:
        deadline = time.monotonic() + 30
        while len(rows) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                rows.extend(
                    (r.partition, r.offset, r.key.decode(), r.value.decode()) for r in records
                )
        # Nothing beyond what we expect (no duplicates, no ghosts).
        for records in consumer.poll(timeout_ms=1000).values():
            rows.extend((r.partition, r.offset, r.key.decode(), r.value.decode()) for r in records)
        if commit:
            consumer.commit()
    finally:
        consumer.close()
    return rows


def _assert_key_order(rows: list[Row]) -> None:
    """Every key lives in one partition and its sequence numbers rise with the offsets."""
    by_key: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for partition, offset, key, value in rows:
        value_key, seq = value.rsplit(":", 1)
        assert value_key == key
        by_key[key].append((partition, offset, int(seq)))
    for key, items in by_key.items():
        assert len({p for p, _, _ in items}) == 1, f"{key} spread over partitions"
        items.sort(key=lambda item: item[1])
        seqs = [seq for _, _, seq in items]
        assert seqs == sorted(seqs), f"{key} out of order: {seqs}"


def _port_refuses(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_produce_and_consume_100_messages(broker: KafkaBroker) -> None:
    create_topics(broker.bootstrap, ["harness.roundtrip"], partitions=3)
    create_topics(broker.bootstrap, ["harness.roundtrip"], partitions=3)  # idempotent

    acked = _produce(broker.bootstrap, "harness.roundtrip", 0, 100)
    assert len(acked) == 100
    assert {p for p, *_ in acked} <= {0, 1, 2}
    # Offsets per partition are 0..n-1 with no gaps (idempotent producer, nothing retried twice).
    per_partition: dict[int, list[int]] = defaultdict(list)
    for partition, offset, _, _ in acked:
        per_partition[partition].append(offset)
    for offsets in per_partition.values():
        assert sorted(offsets) == list(range(len(offsets)))

    rows = _consume(broker.bootstrap, "harness.roundtrip", "harness-roundtrip", 100, commit=True)
    assert len(rows) == 100
    assert sorted(rows) == sorted(acked)
    assert sorted(int(v.rsplit(":", 1)[1]) for *_, v in rows) == list(range(100))
    _assert_key_order(rows)


def test_acknowledged_messages_survive_sigkill(broker: KafkaBroker) -> None:
    topic = "harness.durable"
    create_topics(broker.bootstrap, [topic], partitions=3)
    acked = _produce(broker.bootstrap, topic, 0, 100)
    before = _consume(broker.bootstrap, topic, "harness-committed", 100, commit=True)
    assert sorted(before) == sorted(acked)

    pid = broker.pid
    broker.kill()
    assert not broker.is_running()
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _port_refuses(broker.port)

    started = time.monotonic()
    broker.restart()
    restart_s = time.monotonic() - started
    assert broker.is_running()
    assert broker.pid != pid
    assert restart_s < 60

    # A fresh group sees exactly the acknowledged records, at the same partitions and offsets.
    after = _consume(broker.bootstrap, topic, "harness-fresh", 100, commit=False)
    assert sorted(after) == sorted(acked)
    _assert_key_order(after)

    # Producing works again and continues the partitions' offsets.
    more = _produce(broker.bootstrap, topic, 100, 50)
    last_offset = {p: max(o for q, o, *_ in acked if q == p) for p, *_ in acked}
    for partition, offset, _, _ in more:
        assert offset > last_offset.get(partition, -1)

    # The group that committed before the crash resumes after its committed offsets:
    # it gets the 50 new records only (committed offsets survived in __consumer_offsets).
    resumed = _consume(broker.bootstrap, topic, "harness-committed", 50, commit=True)
    assert sorted(resumed) == sorted(more)

    everything = _consume(broker.bootstrap, topic, "harness-all", 150, commit=False)
    assert len(everything) == 150
    assert sorted(everything) == sorted(acked + more)
    _assert_key_order(everything)


def test_clean_restart_keeps_data_and_ports(broker: KafkaBroker) -> None:
    port, controller_port = broker.port, broker.controller_port
    create_topics(broker.bootstrap, ["harness.clean"], partitions=1)
    acked = _produce(broker.bootstrap, "harness.clean", 0, 10)
    broker.restart()  # SIGTERM (controlled shutdown), then start
    assert (broker.port, broker.controller_port) == (port, controller_port)
    rows = _consume(broker.bootstrap, "harness.clean", "harness-clean", 10, commit=False)
    assert rows == sorted(acked)  # one partition: offset order == send order


def test_broker_sh_wait_and_cli_answer(broker: KafkaBroker) -> None:
    env = {**os.environ, "KAFKA_PORT": str(broker.port), "KAFKA_WAIT_TIMEOUT": "20"}
    done = subprocess.run(
        [str(BROKER_SCRIPT), "wait"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert f"{broker.bootstrap} ready" in done.stderr


def test_second_broker_on_same_data_dir_is_refused(broker: KafkaBroker) -> None:
    intruder = KafkaBroker(broker.data_dir)
    with pytest.raises(RuntimeError, match="another broker is already running"):
        intruder.start(timeout=20)
    assert not intruder.is_running()
    assert broker.is_running()
    create_topics(broker.bootstrap, ["harness.still-fine"], partitions=1)


def test_wait_ready_times_out_with_nothing_listening() -> None:
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="not ready"):
        wait_ready(f"127.0.0.1:{free_port()}", timeout=1.0)
    assert time.monotonic() - started < 10


def test_missing_java_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PATH with bash and the few coreutils the script needs, but no java and no mvn.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    kafka = KafkaBroker(tmp_path / "kafka")
    with pytest.raises(RuntimeError, match="openjdk-17-jre-headless maven"):
        kafka.start(timeout=20)
    assert not kafka.is_running()
    kafka.stop()
