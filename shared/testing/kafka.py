"""A real Apache Kafka broker for tests and ``make run``.

The broker itself is started by ``deploy/kafka/broker.sh start`` (single-node KRaft, loopback
only, jars from Maven Central), which ``exec``s java in the foreground, so the
:class:`KafkaBroker` ``Popen`` owns the java process directly. Command line::

    python -m shared.testing.kafka wait --bootstrap 127.0.0.1:9092 --timeout 60
    python -m shared.testing.kafka create-topics --bootstrap 127.0.0.1:9092 a b --partitions 3
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import kafka.errors as kafka_errors
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient

from shared.events.envelope import CONTENT_TYPE

__all__ = [
    "BROKER_SCRIPT",
    "KafkaBroker",
    "create_topics",
    "free_port",
    "main",
    "send_in_order",
    "wait_ready",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
BROKER_SCRIPT = REPO_ROOT / "deploy" / "kafka" / "broker.sh"
LOG_FILE_NAME = "broker.log"
_START_MARKER = "=== KafkaBroker.start "

# broker.sh's own failures (it prints a "broker.sh: ..." line saying what to do): 3 java or mvn
# missing, 4 jar download failed, 5 data dir used by another broker.
_SCRIPT_EXIT_CODES = frozenset({3, 4, 5})
_PROBE_TIMEOUT_S = 3.0
_POLL_INTERVAL_S = 0.2

_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(exclude: Iterable[int] = ()) -> int:
    """Return a currently unused TCP port on 127.0.0.1.

    Ports are picked *below* the kernel's ephemeral range: a broker keeps its ports across
    restarts, and while it is down a client reconnecting to an ephemeral-range port can be
    given that very port as its source port (TCP self-connect) and block the restart.
    """
    excluded = set(exclude)
    low, _high = _ephemeral_range()
    lower = 10_000 if low > 12_000 else 1_024
    upper = low - 1
    rng = random.SystemRandom()
    if upper > lower:
        for _ in range(200):
            port = rng.randint(lower, upper)
            if port not in excluded and _port_is_free(port):
                return port
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in excluded:
            return port
    raise RuntimeError("no free TCP port found on 127.0.0.1")


def _log_tail(log_file: Path | None, lines: int = 40) -> str:
    if log_file is None:
        return ""
    try:
        with log_file.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 16_384))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    tail = "\n".join(text.splitlines()[-lines:])
    return f"\n--- last lines of {log_file} ---\n{tail}" if tail else f"\n({log_file} is empty)"


def send_in_order(bootstrap: str, topic: str, values: Sequence[bytes], *,
                  key: bytes = b"one-key") -> None:
    """Publish raw `values` (acks=all, the CloudEvents content type) with one key, so on one
    partition, in this order: what a test needs to put a poison event between good ones."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for value in values:
            producer.send(topic, key=key, value=value,
                          headers=[("content-type", CONTENT_TYPE.encode())])
        producer.flush()
    finally:
        producer.close()


def _admin(bootstrap: str, timeout: float, **extra: Any) -> KafkaAdminClient:
    timeout_ms = max(int(timeout * 1000), 500)
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="shared-testing-kafka",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=max(timeout_ms, 5_000),
        reconnect_backoff_ms=50,
        reconnect_backoff_max_ms=500,
        **extra,
    )


def _tcp_reachable(bootstrap: str, timeout: float) -> bool:
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def _probe(bootstrap: str, timeout: float) -> str | None:
    """One readiness attempt: None when the broker answers DescribeCluster, else the reason."""
    # Cheap check first: while the port is closed, skip the admin client (and its log noise),
    # so a broker process that dies early is noticed within one poll interval.
    if not _tcp_reachable(bootstrap, min(timeout, 1.0)):
        return "connection refused"
    try:
        admin = _admin(bootstrap, timeout)
    except Exception as exc:  # kafka-python raises a zoo of errors while the port is closed
        return f"{type(exc).__name__}: {exc}"
    try:
        cluster = admin.describe_cluster()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        admin.close()
    if not cluster.get("brokers"):
        return "no broker registered yet"
    return None


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------


def wait_ready(
    bootstrap: str,
    timeout: float,
    *,
    log_file: Path | None = None,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Block until ``KafkaAdminClient.describe_cluster()`` on ``bootstrap`` lists a broker.

    Raises :class:`TimeoutError` (with the tail of ``log_file`` when given) after ``timeout``
    seconds. When ``process`` is given and exits first, raises :class:`RuntimeError` with the
    log tail instead of waiting out the timeout.
    """
    deadline = time.monotonic() + timeout
    reason = "not tried"
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"Kafka broker process exited with code {process.returncode} before it was "
                f"ready on {bootstrap}" + _log_tail(log_file)
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(
                f"Kafka broker on {bootstrap} not ready after {timeout:.0f}s ({reason})"
                + _log_tail(log_file)
            )
        reason = _probe(bootstrap, min(_PROBE_TIMEOUT_S, remaining)) or ""
        if not reason:
            return
        time.sleep(min(_POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))


def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 3,
    replication: int = 1,
    *,
    timeout: float = 30.0,
) -> None:
    """Create topics (existing ones are left alone) and wait until their metadata is visible:
    every partition of every topic has a leader on the broker ``bootstrap`` points at."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    with contextlib.closing(_admin(bootstrap, timeout)) as admin:
        spec = {
            n: {"num_partitions": partitions, "replication_factor": replication} for n in wanted
        }
        response = admin.create_topics(spec, timeout_ms=int(timeout * 1000), raise_errors=False)
        for topic in response.get("topics", []):
            error = kafka_errors.for_code(topic.get("error_code", 0))
            if error in (kafka_errors.NoError, kafka_errors.TopicAlreadyExistsError):
                continue
            raise error(f"creating topic {topic.get('name')!r}: {topic.get('error_message')}")
        admin.wait_for_topics(wanted, timeout_ms=int(timeout * 1000))


# --------------------------------------------------------------------------------------------
# the broker process
# --------------------------------------------------------------------------------------------

_live_brokers: weakref.WeakSet[KafkaBroker] = weakref.WeakSet()


@atexit.register
def _stop_live_brokers() -> None:  # pragma: no cover - interpreter shutdown safety net
    for broker in list(_live_brokers):
        with contextlib.suppress(Exception):
            broker.stop(timeout=10.0)


class KafkaBroker:
    """One single-node KRaft broker in ``data_dir``, run by ``deploy/kafka/broker.sh start``.

    Ports stay fixed for the object's lifetime, so :meth:`restart` reuses the same ports and
    data. Output (stdout and stderr of the script and of java) is appended to
    ``data_dir/broker.log``. ``extra_properties`` are appended to server.properties (a later
    key wins), e.g. ``{"broker.session.timeout.ms": "3000", "broker.heartbeat.interval.ms":
    "1000"}`` cuts a restart after SIGKILL from ~12 s to ~5 s: until the old incarnation's
    session expires the controller answers DUPLICATE_BROKER_REGISTRATION.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        controller_port: int | None = None,
        heap: str = "512m",
        *,
        extra_properties: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port if port is not None else free_port()
        self.controller_port = (
            controller_port if controller_port is not None else free_port(exclude={self.port})
        )
        if self.port == self.controller_port:
            raise ValueError("port and controller_port must differ")
        self.heap = heap
        self.extra_properties = dict(extra_properties or {})
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_file = self.data_dir / LOG_FILE_NAME
        self.returncode: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_fh: IO[bytes] | None = None

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.is_running() else "stopped"
        return f"KafkaBroker({self.bootstrap}, {state}, data_dir={str(self.data_dir)!r})"

    @property
    def pid(self) -> int | None:
        """pid of the java process (of broker.sh while it is still formatting storage)."""
        return self._proc.pid if self._proc is not None else None

    def env(self) -> dict[str, str]:
        """Environment passed to broker.sh."""
        env = dict(os.environ)
        env.update(
            KAFKA_DATA_DIR=str(self.data_dir),
            KAFKA_PORT=str(self.port),
            KAFKA_CONTROLLER_PORT=str(self.controller_port),
            KAFKA_HEAP=self.heap,
        )
        if self.extra_properties:
            env["KAFKA_EXTRA_PROPERTIES"] = "\n".join(
                f"{key}={value}" for key, value in self.extra_properties.items()
            )
        return env

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 90.0) -> None:
        """Start the broker and block until it answers (first start includes jar download)."""
        if self.is_running():
            raise RuntimeError(f"{self!r} is already running")
        self._reap()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log_fh = self.log_file.open("ab")
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._log_fh.write(f"{_START_MARKER}{stamp} on {self.bootstrap} ===\n".encode())
        self._log_fh.flush()
        self._proc = subprocess.Popen(  # noqa: S603 - fixed script path, no shell
            ["bash", str(BROKER_SCRIPT), "start"],  # noqa: S607 - bash from PATH on purpose
            cwd=REPO_ROOT,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _live_brokers.add(self)
        try:
            wait_ready(self.bootstrap, timeout, log_file=self.log_file, process=self._proc)
        except RuntimeError as exc:
            rc = self._proc.returncode
            self._reap()
            if rc in _SCRIPT_EXIT_CODES:
                raise RuntimeError("cannot start Kafka: " + _script_message(self.log_file)) from exc
            raise
        except BaseException:
            self._signal(signal.SIGKILL)
            self._reap()
            raise

    def stop(self, timeout: float = 30.0) -> None:
        """Clean shutdown (SIGTERM), escalating to SIGKILL after ``timeout``. Idempotent."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _log.warning(
                    "Kafka broker %s ignored SIGTERM for %.0fs; killing", self.pid, timeout
                )
                self._signal(signal.SIGKILL)
        self._reap()

    def kill(self) -> None:
        """Crash the broker (SIGKILL) and wait until the process is gone."""
        if self._proc is None:
            return
        self._signal(signal.SIGKILL)
        self._reap()

    def restart(self, timeout: float = 90.0) -> None:
        """Start again with the same data dir and ports (stops it cleanly first if running)."""
        self.stop()
        self.start(timeout)

    def __enter__(self) -> Self:
        if not self.is_running():
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # internals -------------------------------------------------------------------------------

    def _signal(self, sig: signal.Signals) -> None:
        # The Popen started a new session, so its pid is also the process-group id: signalling
        # the group also reaches a StorageTool java still running under broker.sh.
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            with contextlib.suppress(ProcessLookupError):
                self._proc.send_signal(sig)

    def _reap(self) -> None:
        if self._proc is not None:
            try:
                self.returncode = self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.returncode = self._proc.wait()
            self._proc = None
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None
        _live_brokers.discard(self)


def _script_message(log_file: Path) -> str:
    """The ``broker.sh: ...`` lines of the latest start attempt (falls back to the tail)."""
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return "broker.sh failed (no log)"
    latest = text.rsplit(_START_MARKER, 1)[-1]
    lines = [ln for ln in latest.splitlines() if ln.startswith("broker.sh:")]
    return "\n".join(lines) if lines else _log_tail(log_file)


# --------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], None] | None = None) -> int:
    emit = out or (lambda msg: print(msg, file=sys.stderr))
    parser = argparse.ArgumentParser(prog="python -m shared.testing.kafka")
    sub = parser.add_subparsers(dest="command", required=True)
    wait = sub.add_parser("wait", help="block until the broker answers DescribeCluster")
    wait.add_argument("--bootstrap", default="127.0.0.1:9092")
    wait.add_argument("--timeout", type=float, default=60.0)
    create = sub.add_parser("create-topics", help="create topics (idempotent) and wait for them")
    create.add_argument("--bootstrap", default="127.0.0.1:9092")
    create.add_argument("--partitions", type=int, default=3)
    create.add_argument("--replication", type=int, default=1)
    create.add_argument("--timeout", type=float, default=30.0)
    create.add_argument("names", nargs="+")
    args = parser.parse_args(argv)

    # kafka-python logs every refused connection at WARNING/ERROR while we poll; keep it quiet.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    started = time.monotonic()
    try:
        if args.command == "wait":
            wait_ready(args.bootstrap, args.timeout)
            emit(f"kafka: {args.bootstrap} ready after {time.monotonic() - started:.1f}s")
        else:
            create_topics(
                args.bootstrap, args.names, args.partitions, args.replication, timeout=args.timeout
            )
            emit(f"kafka: topics ready on {args.bootstrap}: {', '.join(args.names)}")
    except TimeoutError as exc:
        emit(f"kafka: {exc}")
        return 1
    except kafka_errors.KafkaError as exc:
        emit(f"kafka: {type(exc).__name__}: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
