"""`python -m bench [--only relay,e2e,...]`: run the benchmarks, write bench/results/latest.json.

Each benchmark runs in its own event loop against the broker and PostgreSQL that `Infra` starts
(or the ones KAFKA_BOOTSTRAP_SERVERS / TEST_DATABASE_URL point at). A failing benchmark is
recorded with its traceback and the others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import sys
import time
import traceback
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import e2e_bench, http_bench, load_bench, relay_bench, services_bench
from bench.foundation import (
    CONTENDED_CORES,
    RESULTS_DIR,
    Infra,
    Interrupted,
    Result,
    machine_info,
    now_iso,
    other_load,
    run_bounded,
    sigterm_as_exit,
    summary_table,
    workdir,
    write_results,
)

PROFILES = RESULTS_DIR / "profiles"
Runner = Callable[[Infra, argparse.Namespace], Coroutine[Any, Any, list[Result]]]


@dataclass(frozen=True)
class Benchmark:
    runner: Runner
    timeout_s: float  # a hard bound: the benchmark is cancelled (and cleaned up) after it


async def _relay(infra: Infra, args: argparse.Namespace) -> list[Result]:
    return await relay_bench.run(infra, relay_bench.RelayConfig(
        events=args.events, batch_sizes=tuple(args.batch_sizes), profile_dir=args.profile_dir))


async def _e2e(infra: Infra, args: argparse.Namespace) -> list[Result]:
    return await e2e_bench.run(infra, e2e_bench.E2EConfig(
        rate=args.e2e_rate, duration_s=args.e2e_duration))


async def _http(infra: Infra, args: argparse.Namespace) -> list[Result]:
    return await http_bench.run(infra, http_bench.HttpConfig(
        duration_s=args.http_duration, connections=args.connections, tool=args.http_tool,
        profile_dir=args.profile_dir))


async def _assurance(_infra: Infra, _args: argparse.Namespace) -> list[Result]:
    return await services_bench.assurance()


async def _procurement(_infra: Infra, _args: argparse.Namespace) -> list[Result]:
    return await services_bench.procurement()


async def _market(_infra: Infra, _args: argparse.Namespace) -> list[Result]:
    return await services_bench.market()


async def _load(infra: Infra, args: argparse.Namespace) -> list[Result]:
    return await load_bench.run(infra, load_bench.LoadConfig(
        users=args.load_users, duration_s=args.load_duration))


BENCHMARKS: dict[str, Benchmark] = {
    "relay": Benchmark(_relay, timeout_s=120),
    "e2e": Benchmark(_e2e, timeout_s=120),
    "http": Benchmark(_http, timeout_s=90),
    "assurance": Benchmark(_assurance, timeout_s=180),
    "procurement": Benchmark(_procurement, timeout_s=240),
    "market": Benchmark(_market, timeout_s=240),
    "load": Benchmark(_load, timeout_s=600),
}
BUDGET_S = 1800.0  # the whole run, infrastructure start-up included

# Hook for bench/identity_bench.py (written separately): when it exists and defines
# `run(infra) -> list[Result]` (sync or async), it is selectable as `--only identity`.
IDENTITY_HOOK = ("bench.identity_bench", "run")


def _identity_benchmark() -> Benchmark | None:
    module_name, function_name = IDENTITY_HOOK
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    function = getattr(module, function_name, None)
    if function is None:
        public = [name for name in vars(module) if not name.startswith("_")]
        print(f"bench: {module_name} has no {function_name}(infra); not run (has: {public})",
              file=sys.stderr)
        return None

    async def runner(infra: Infra, _args: argparse.Namespace) -> list[Result]:
        outcome = function(infra)
        return list(await outcome if inspect.isawaitable(outcome) else outcome)

    return Benchmark(runner, timeout_s=90)


def available() -> dict[str, Benchmark]:
    benchmarks = dict(BENCHMARKS)
    identity = _identity_benchmark()
    if identity is not None:
        benchmarks["identity"] = identity
    return benchmarks


def parse_args(argv: Sequence[str] | None, names: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", default=",".join(names),
                        help=f"comma-separated subset of {','.join(names)} (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    parser.add_argument("--events", type=int, default=20_000, help="relay: outbox events")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--e2e-rate", type=float, default=200.0, help="e2e: events/s")
    parser.add_argument("--e2e-duration", type=float, default=30.0, help="e2e: seconds")
    parser.add_argument("--http-duration", type=float, default=10.0, help="http: seconds")
    parser.add_argument("--connections", type=int, default=32, help="http: connections")
    parser.add_argument("--http-tool", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--load-users", type=int, default=40, help="load: Locust users")
    parser.add_argument("--load-duration", type=int, default=60, help="load: seconds")
    parser.add_argument("--keep-workdir", action="store_true",
                        help="keep broker data, databases and process logs for inspection")
    parser.add_argument("--profile", action="store_true",
                        help=f"cProfile the relay loop and the uvicorn worker into {PROFILES}"
                             " (slows them: do not compare those figures with targets)")
    args = parser.parse_args(argv)
    args.profile_dir = PROFILES if args.profile else None
    args.selected = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.selected) - set(names))
    if unknown or not args.selected:
        parser.error(f"--only: unknown {unknown}; choose from {','.join(names)}")
    return args


def _run_one(benchmark: Benchmark, infra: Infra, args: argparse.Namespace,
             remaining_s: float) -> tuple[list[Result], str | None, float]:
    """Run one benchmark within min(its own bound, what is left of the run's budget)."""
    began = time.monotonic()
    timeout = min(benchmark.timeout_s, remaining_s)
    if timeout < 10:
        return [], f"skipped: the run's {BUDGET_S:.0f}s budget is spent", 0.0
    try:
        results = run_bounded(benchmark.runner(infra, args), timeout)
        return results, None, time.monotonic() - began
    except TimeoutError:
        return [], f"timed out after {timeout:.0f}s\n{traceback.format_exc()}", timeout
    except Exception:
        return [], traceback.format_exc(), time.monotonic() - began


def main(argv: Sequence[str] | None = None) -> int:
    benchmarks = available()
    args = parse_args(argv, list(benchmarks))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.CRITICAL)  # refused connections while polling
    machine = machine_info()
    report: dict[str, Any] = {"started_at": now_iso(), "machine": machine,
                              "selected": args.selected, "profiled": args.profile,
                              "results": [], "errors": {}, "durations_s": {}}
    began = time.monotonic()
    status = 0
    with sigterm_as_exit(), workdir(args.keep_workdir) as work, Infra(work) as infra:
        try:
            _run_selected(benchmarks, args, infra, report, began)
        except Interrupted as exc:
            report["errors"]["interrupted"] = str(exc)
            status = 128 + exc.signum
        report["infrastructure"] = infra.facts
    report["total_s"] = round(time.monotonic() - began, 1)
    write_results(args.output, report)
    _print_summary(report, args.output)
    return status or (1 if report["errors"] else 0)


def _run_selected(benchmarks: dict[str, Benchmark], args: argparse.Namespace, infra: Infra,
                  report: dict[str, Any], began: float) -> None:
    for name in args.selected:
        print(f"bench: running {name} ...", file=sys.stderr, flush=True)
        remaining = BUDGET_S - (time.monotonic() - began)
        results, error, seconds = _run_one(benchmarks[name], infra, args, remaining)
        report["results"] += [result.as_dict(report["machine"]) for result in results]
        report["durations_s"][name] = round(seconds, 1)
        if error:
            report["errors"][name] = error
            print(f"bench: {name} FAILED\n{error}", file=sys.stderr, flush=True)


def _print_summary(report: dict[str, Any], output: Path) -> None:
    machine = report["machine"]
    print(f"\nmachine: {machine['cores']} cores ({machine['cpu_model']}), "
          f"Python {machine['python']}; total {report['total_s']}s")
    print(summary_table(report["results"]))
    contended = [r["name"] for r in report["results"]
                 if (other_load(r) or 0.0) > CONTENDED_CORES]
    if contended:
        print(f"warning: other processes loaded the machine (> {CONTENDED_CORES} cores) during "
              f"{', '.join(contended)}: rerun on a quiet machine before comparing with targets")
    for name, error in report["errors"].items():
        print(f"{name}: FAILED: {error.strip().splitlines()[-1]} (details in {output})")
    print(f"\nwritten to {output}")


if __name__ == "__main__":
    sys.exit(main())
