"""What every benchmark shares: machine facts, targets, results, infrastructure and processes.

`Infra` starts the real Apache Kafka broker and a throwaway PostgreSQL cluster on first use
(or uses ``KAFKA_BOOTSTRAP_SERVERS`` / ``TEST_DATABASE_URL`` when set) and stops what it
started when it is closed, even after a failure.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib
import json
import logging
import math
import os
import platform
import pstats
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol, TypeVar

from shared.migrations import upgrade

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"

log = logging.getLogger("bench")
OTHERS = "not started by the bench"
CONTENDED_CORES = 0.25  # more load than this from other processes makes a figure suspect
T = TypeVar("T")


# ---- machine ----------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, memory and interpreter of the machine the figures were measured on."""
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


# ---- targets and results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a figure should reach: `op` `value` `unit`, e.g. >= 5000 events/s on 2 cores."""

    op: Literal[">=", "<="]
    value: float
    unit: str
    note: str = ""

    def met_by(self, figure: float) -> bool:
        return figure >= self.value if self.op == ">=" else figure <= self.value

    def __str__(self) -> str:
        text = f"{self.op} {self.value:g} {self.unit}"
        return f"{text} ({self.note})" if self.note else text


@dataclass
class Result:
    """One measured figure, with its target and what it was measured with."""

    name: str
    value: float
    unit: str
    target: Target | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None or math.isnan(self.value):
            return None
        return self.target.met_by(self.value)

    def as_dict(self, machine: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": None if math.isnan(self.value) else round(self.value, 3),
            "unit": self.unit,
            "target": asdict(self.target) if self.target else None,
            "target_text": str(self.target) if self.target else None,
            "met": self.met,
            "machine": {key: machine[key] for key in ("cores", "usable_cores", "python")},
            "details": self.details,
        }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max in milliseconds of latencies given in seconds."""
    ms = [value * 1000 for value in seconds]
    summary = {f"p{q}_ms": percentile(ms, q) for q in (50, 90, 99)}
    summary["max_ms"] = max(ms) if ms else math.nan
    return {key: round(value, 2) for key, value in summary.items()}


def write_results(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_strict_json(report), indent=2, default=str) + "\n")


def _strict_json(value: Any) -> Any:
    """NaN (no samples) becomes null: strict JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(item) for item in value]
    return value


def summary_table(results: Sequence[dict[str, Any]]) -> str:
    """A plain-text table: name, figure, target, met, and the machine's load from others."""
    rows = [("benchmark", "figure", "target", "met", "other load")]
    for result in results:
        met = {True: "yes", False: "NO", None: "-"}[result["met"]]
        value = result["value"]
        figure = "n/a" if value is None else f"{value:,.1f} {result['unit']}"
        others = other_load(result)
        rows.append((result["name"], figure, result["target_text"] or "-", met,
                     "-" if others is None else f"{others:.2f} cores"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def other_load(result: dict[str, Any]) -> float | None:
    """Cores that processes the bench did not start used while `result` was measured."""
    cores = result["details"].get("cpu_cores_used")
    return None if cores is None else float(cores.get(OTHERS, 0.0))


# ---- infrastructure ---------------------------------------------------------------------------


class _Postgres(Protocol):
    def create_database(self, name: str) -> str: ...


class _ExternalPostgres:
    """A PostgreSQL server we did not start (TEST_DATABASE_URL, an admin libpq URL).

    The databases the bench creates there are dropped when it closes.
    """

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    def create_database(self, name: str) -> str:
        from shared.testing.postgres import recreate_database

        self.created.append(name)
        return recreate_database(self.admin_url, name)

    def close(self) -> None:
        from shared.testing.postgres import drop_database

        for name in self.created:
            with contextlib.suppress(Exception):
                drop_database(self.admin_url, name)


class Infra:
    """Kafka and PostgreSQL for one bench run, each started on first use, stopped on close."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.run_tag = uuid.uuid4().hex[:8]
        self.facts: dict[str, Any] = {}
        self._stack = contextlib.ExitStack()
        self._bootstrap: str | None = None
        self._postgres: _Postgres | None = None
        self._pid_sources: dict[str, Callable[[], int | None]] = {}

    def __enter__(self) -> Infra:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    @property
    def bootstrap(self) -> str:
        if self._bootstrap is None:
            self._bootstrap = self._start_kafka()
        return self._bootstrap

    def pids(self) -> dict[str, int | None]:
        """Root pids of the servers the bench started (for CpuMeter)."""
        return {name: source() for name, source in self._pid_sources.items()}

    def topic_prefix(self, name: str) -> str:
        """A topic namespace of its own for one benchmark (the broker may be shared)."""
        return f"bench{self.run_tag}.{name}."

    def postgres_url(self, name: str, service: str) -> str:
        """A new database `name`, migrated with `service`'s migrations."""
        if self._postgres is None:
            self._postgres = self._start_postgres()
        url = self._postgres.create_database(f"bench_{self.run_tag}_{name}")
        upgrade(migrations_of(service), url)
        return url

    def sqlite_url(self, name: str, service: str) -> str:
        """A new SQLite file `name`.db in the work directory, migrated for `service`."""
        path = self.workdir / f"{name}.db"
        path.unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(migrations_of(service), url)
        return url

    def _start_kafka(self) -> str:
        external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if external:
            self.facts["kafka"] = {"source": "KAFKA_BOOTSTRAP_SERVERS", "bootstrap": external}
            return external
        from shared.testing.kafka import KafkaBroker

        broker = KafkaBroker(self.workdir / "kafka")
        began = time.monotonic()
        broker.start(timeout=120)
        self._stack.callback(broker.stop)
        self._pid_sources["kafka broker"] = lambda: broker.pid
        self.facts["kafka"] = {"source": "started by bench (deploy/kafka/broker.sh)",
                               "bootstrap": broker.bootstrap, "heap": broker.heap,
                               "start_s": round(time.monotonic() - began, 2)}
        return broker.bootstrap

    def _start_postgres(self) -> _Postgres:
        external = os.environ.get("TEST_DATABASE_URL")
        if external:
            self.facts["postgresql"] = {"source": "TEST_DATABASE_URL"}
            server = _ExternalPostgres(external)
            self._stack.callback(server.close)
            return server
        from shared.testing.postgres import PostgresCluster

        cluster = PostgresCluster(self.workdir / "postgres")
        self._stack.callback(cluster.close)
        cluster.start()
        self._pid_sources["postgresql"] = lambda: cluster.pid
        self.facts["postgresql"] = {
            "source": "started by bench (shared.testing.postgres: fsync off, synchronous_commit"
                      " on)", "start_s": round(cluster.start_seconds or 0, 2)}
        return cluster


def migrations_of(service: str) -> Path:
    return Path(importlib.import_module(f"services.{service}.cli").MIGRATIONS)


@contextlib.contextmanager
def workdir(keep: bool) -> Iterator[Path]:
    """A scratch directory for broker data, database files and process logs."""
    path = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        yield path
    finally:
        if keep:
            log.warning("kept work directory %s", path)
        else:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so that every `finally` (processes, broker) still runs."""

    def handler(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Interrupted(BaseException):  # not swallowed by `except Exception`
    """SIGTERM or SIGINT arrived while a benchmark ran; its clean-up has run."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def run_bounded(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """asyncio.run(coro) for at most `timeout` seconds; SIGTERM/SIGINT cancel it cleanly.

    A signal raised as an exception inside the event loop would skip the `finally` blocks of
    other tasks (child processes left running), so here it cancels the task instead.
    """
    received: list[int] = []

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        def cancel(signum: int) -> None:
            received.append(signum)
            task.cancel()

        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            loop.add_signal_handler(sig, cancel, sig)
        try:
            return await asyncio.wait_for(coro, timeout)
        finally:
            for sig, handler in previous.items():
                loop.remove_signal_handler(sig)
                signal.signal(sig, handler)

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise


_CHILDREN: list[subprocess.Popen[bytes]] = []


def track(process: subprocess.Popen[bytes] | None) -> None:
    """Kill `process` when the bench exits, should its owner not have stopped it."""
    if process is not None:
        _CHILDREN.append(process)


@atexit.register
def _kill_children() -> None:
    for process in _CHILDREN:
        if process.poll() is None:
            process.kill()


# ---- CPU accounting ---------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """Cores used between start() and stop(), per process tree the bench started.

    `roots` names process trees by their root pid (the broker, the postmaster, a worker...);
    the bench process itself is always a root. Processes that end inside the window are counted
    only when the bench waited for them (wrk); the rest of the machine's load is `OTHERS`.
    """

    def __init__(self, roots: dict[str, int | None]) -> None:
        self.roots = {pid: name for name, pid in roots.items() if pid is not None}
        self.roots[os.getpid()] = "bench process"
        self._began = 0.0
        self._procs: dict[int, tuple[int, float]] = {}
        self._machine = (0.0, 0.0)
        self._children = 0.0

    def start(self) -> CpuMeter:
        self._began = time.monotonic()
        self._procs = _proc_times()
        self._machine = _machine_times()
        self._children = _children_seconds()
        return self

    def stop(self) -> dict[str, float]:
        wall = max(time.monotonic() - self._began, 1e-9)
        after = _proc_times()
        used: dict[str, float] = {"bench children (ended)": _children_seconds() - self._children}
        for pid, (_ppid, seconds) in after.items():
            group = self._group(pid, after)
            used[group] = used.get(group, 0.0) + seconds - self._procs.get(pid, (0, 0.0))[1]
        busy, total = (a - b for a, b in zip(_machine_times(), self._machine, strict=True))
        machine = busy / total * (os.cpu_count() or 1) if total else 0.0
        # What /proc no longer shows (ended processes, other people's jobs) is the rest.
        rest = machine * wall - sum(used.values())
        used[OTHERS] = used.get(OTHERS, 0.0) + max(0.0, rest)
        cores = {group: round(seconds / wall, 2) for group, seconds in sorted(used.items())
                 if seconds / wall >= 0.01}
        cores["machine (all processes)"] = round(machine, 2)
        return cores

    def _group(self, pid: int, procs: dict[int, tuple[int, float]]) -> str:
        for _ in range(8):  # walk up the parents to the nearest root
            if pid in self.roots:
                return self.roots[pid]
            if pid not in procs:
                break
            pid = procs[pid][0]
        return OTHERS


def _proc_times() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, user+system CPU seconds) of every process."""
    times = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            times[int(entry.name)] = (int(fields[1]),
                                      (int(fields[11]) + int(fields[12])) / _TICKS)
    return times


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine_times() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot (steal counts as busy: it is contention)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]  # guest is in user
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


# ---- child processes --------------------------------------------------------------------------


class ChildProcess:
    """A process the bench started: output to a log file, stopped by SIGTERM then SIGKILL."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], log_path: Path, *,
                 stop_signal: signal.Signals = signal.SIGTERM) -> None:
        self.argv = list(argv)
        self.env = env
        self.log_path = log_path
        self.stop_signal = stop_signal
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChildProcess:
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=REPO, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        track(self.process)
        return self

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if not self.running():
            return
        assert self.process is not None
        self.process.send_signal(self.stop_signal)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""

    def __enter__(self) -> ChildProcess:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


# ---- profiles ---------------------------------------------------------------------------------


def profile_top(stats: pstats.Stats, top: int = 15) -> list[str]:
    """The `top` functions by own time: "tottime_s cumtime_s calls file:line(function)"."""
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return [f"{tt:7.3f}s {ct:7.3f}s {nc:>8} {_short(file)}:{line}({name})"
            for (file, line, name), (_cc, nc, tt, ct, _callers) in rows]


def _short(file: str) -> str:
    for marker in ("site-packages/", str(REPO) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def python_argv(*args: str) -> list[str]:
    return [sys.executable, *args]
