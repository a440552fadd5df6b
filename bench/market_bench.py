"""Market simulation benchmarks (no database or broker needed).

- csm-ref agent-steps per second (agent-steps = buyers x steps) for our numpy engine and the
  Mesa 3 implementation at 211, 2,110 and 21,100 buyers, and their ratio;
- one run of a national scenario (211 CCGs, 20 quarters), in milliseconds;
- 1,000 Monte Carlo replications of that scenario, in seconds (default worker processes);
- memory growth across 1,000 consecutive runs, measured with tracemalloc;
- the event loop's lag while a worker executes a 2,000-replication study as the run executor
  does (`asyncio.to_thread`, progress and cancellation checks): a run never blocks the loop.

`python -m bench.market_bench` (or `python bench/market_bench.py`) prints the figures as JSON.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from services.market.run.execution import Job, simulate
from services.market.simulation.csm_ref import run_csm_ref
from services.market.simulation.market.engine import run_market
from services.market.simulation.market.world import World, build_world
from services.market.simulation.montecarlo import default_workers, run_monte_carlo
from services.market.simulation.scenario import load_scenario

SIZES = ((211, 40, 40), (2_110, 40, 40), (21_100, 40, 10))  # buyers, our steps, Mesa steps
TARGET_RATIO = 20.0
SCENARIO = "baseline"


def _agent_steps_per_second(run: Callable[[int, int, int], object], buyers: int, steps: int,
                            min_seconds: float, max_runs: int) -> dict[str, float]:
    """Repeat runs (new seed each) for at least `min_seconds`; the median run sets the rate."""
    run(buyers, steps, 10_000)  # warm-up
    durations: list[float] = []
    started = time.perf_counter()
    while len(durations) < max_runs and (time.perf_counter() - started < min_seconds
                                         or len(durations) < 3):
        begin = time.perf_counter()
        run(buyers, steps, len(durations))
        durations.append(time.perf_counter() - begin)
    median = statistics.median(durations)
    return {"agent_steps_per_s": round(buyers * steps / median), "steps": steps,
            "run_ms": round(median * 1000, 3), "runs": len(durations)}


def csm_ref_speed(min_seconds: float = 1.0) -> dict[str, Any]:
    """Our engine against Mesa at each size."""
    from bench.mesa_csm_ref import run_mesa_csm_ref

    def ours(buyers: int, steps: int, seed: int) -> object:
        return run_csm_ref(n_buyers=buyers, steps=steps, seed=seed)

    def mesa(buyers: int, steps: int, seed: int) -> object:
        return run_mesa_csm_ref(n_buyers=buyers, steps=steps, seed=seed)

    sizes = {}
    for buyers, our_steps, mesa_steps in SIZES:
        fast = _agent_steps_per_second(ours, buyers, our_steps, min_seconds, 2_000)
        slow = _agent_steps_per_second(mesa, buyers, mesa_steps, min_seconds, 50)
        sizes[str(buyers)] = {"numpy": fast, "mesa": slow,
                              "ratio": round(fast["agent_steps_per_s"]
                                             / slow["agent_steps_per_s"], 1)}
    return sizes


def national_run_ms(world: World, runs: int = 300) -> dict[str, float]:
    """Wall time of one run of the national scenario (median and best of `runs`)."""
    run_market(world, 0)
    durations = []
    for seed in range(runs):
        begin = time.perf_counter()
        run_market(world, seed)
        durations.append(time.perf_counter() - begin)
    return {"median_ms": round(statistics.median(durations) * 1000, 3),
            "best_ms": round(min(durations) * 1000, 3), "runs": runs}


def monte_carlo_seconds(world: World, replications: int = 1_000) -> dict[str, float]:
    """Wall time of a Monte Carlo study, worker processes included."""
    begin = time.perf_counter()
    run_monte_carlo(world, replications, master_seed=0)
    return {"seconds": round(time.perf_counter() - begin, 3), "replications": replications,
            "workers": default_workers(replications)}


def memory_growth(world: World, runs: int = 1_000) -> dict[str, float]:
    """Traced memory before and after `runs` consecutive runs (after a short warm-up)."""
    for seed in range(20):
        run_market(world, seed)
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for seed in range(runs):
            run_market(world, seed)
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"runs": runs, "growth_kib": round((current - start) / 1024, 1),
            "peak_kib": round((peak - start) / 1024, 1)}


async def _loop_lag(replications: int, tick_s: float) -> dict[str, float]:
    """Ticks of `tick_s` on the event loop while a study runs in a thread, as in a worker."""
    scenario = load_scenario(SCENARIO)
    job = Job("bench", "market", scenario.model_dump(mode="json"), replications, 0)
    lags: list[float] = []
    began = time.perf_counter()
    study = asyncio.ensure_future(asyncio.to_thread(
        simulate, job, processes=1, progress=lambda _fraction: None, should_cancel=lambda: False))
    while not study.done():
        before = time.perf_counter()
        await asyncio.sleep(tick_s)
        lags.append(time.perf_counter() - before - tick_s)
    await study
    lags.sort()
    return {"replications": replications, "study_s": round(time.perf_counter() - began, 3),
            "ticks": len(lags), "p50_ms": round(statistics.median(lags) * 1000, 3),
            "p99_ms": round(lags[int(0.99 * (len(lags) - 1))] * 1000, 3),
            "max_ms": round(lags[-1] * 1000, 3)}


def event_loop_lag(replications: int = 2_000, tick_s: float = 0.005) -> dict[str, float]:
    """How late the event loop's timers fire while a worker simulates (see _loop_lag)."""
    return asyncio.run(_loop_lag(replications, tick_s))


def run() -> dict[str, Any]:
    """Every market benchmark, as one JSON-ready dict."""
    world = build_world(load_scenario(SCENARIO))
    sizes = csm_ref_speed()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ratio = sizes["2110"]["ratio"]
    return {
        "benchmark": "market",
        "cpus": cpus,
        "csm_ref": sizes,
        "ratio_at_2110": ratio,
        "ratio_target": TARGET_RATIO,
        "ratio_met": ratio >= TARGET_RATIO,
        "national_run": {"scenario": SCENARIO, "ccgs": world.ccg_population.size,
                         "quarters": world.quarters, **national_run_ms(world)},
        "monte_carlo": monte_carlo_seconds(world),
        "memory": memory_growth(world),
        "event_loop_lag": event_loop_lag(),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
