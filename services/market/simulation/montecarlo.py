"""Monte Carlo studies of a scenario: replications, summaries and scenario comparison.

Replication i always uses SeedSequence(master_seed, spawn_key=(i,)) (the i-th child of
SeedSequence(master_seed).spawn), so results do not depend on how the work is split between
processes. Progress is reported and cancellation checked after every chunk of replications.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import threading
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from dataclasses import dataclass

import numpy as np

from services.market.simulation.csm_ref import run_csm_ref
from services.market.simulation.market.engine import OUTPUTS, generator, simulate
from services.market.simulation.market.world import FloatArray, World, build_world
from services.market.simulation.scenario import Scenario

ProgressCallback = Callable[[float], None]
CancelCheck = Callable[[], bool]
CSM_REF_OUTPUTS = ("active_suppliers", "hhi", "in_house_share")
Z_90 = 1.6448536269514722  # two-sided 90% normal quantile, to match the 5-95% bands


class SimulationCancelled(RuntimeError):
    """The caller's cancellation check returned True; no summary was produced."""


@dataclass(frozen=True)
class OutputSummary:
    """Across replications, per quarter: mean, standard deviation and 5th / 95th percentiles."""

    mean: FloatArray
    sd: FloatArray
    p5: FloatArray
    p95: FloatArray


@dataclass(frozen=True)
class MonteCarloSummary:
    """Summary of every output of a scenario over its replications."""

    scenario: str
    replications: int
    master_seed: int
    labels: tuple[str, ...]
    outputs: dict[str, OutputSummary]


def replication_seed(master_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of one replication, derived from the study's master seed."""
    return np.random.SeedSequence(master_seed, spawn_key=(replication,))


def simulate_replications(world: World, master_seed: int, start: int, stop: int) -> FloatArray:
    """Outputs of replications start..stop-1, shaped (replications, OUTPUTS, quarters)."""
    block = np.empty((stop - start, len(OUTPUTS), world.quarters))
    for i in range(start, stop):
        block[i - start], _ = simulate(world, generator(replication_seed(master_seed, i)))
    return block


def summarise(scenario: str, master_seed: int, labels: tuple[str, ...], tables: FloatArray,
              names: Sequence[str] = OUTPUTS) -> MonteCarloSummary:
    """Per-output statistics of a (replications, outputs, quarters) array (outputs: `names`)."""
    n = tables.shape[0]
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(tables, axis=0)
        sd = np.nanstd(tables, axis=0, ddof=1) if n > 1 else np.zeros_like(mean)
        p5, p95 = np.nanpercentile(tables, [5.0, 95.0], axis=0)
    outputs = {name: OutputSummary(mean[i], sd[i], p5[i], p95[i]) for i, name in enumerate(names)}
    return MonteCarloSummary(scenario, n, master_seed, labels, outputs)


# Worker processes build the world once and keep it for every chunk they are given.
_worker_world: World | None = None


def _init_worker(scenario: Scenario) -> None:
    global _worker_world
    _worker_world = build_world(scenario)


def _run_chunk(task: tuple[int, int, int]) -> tuple[int, FloatArray]:
    assert _worker_world is not None
    master_seed, start, stop = task
    return start, simulate_replications(_worker_world, master_seed, start, stop)


def default_workers(replications: int) -> int:
    """One process for small studies; otherwise the CPUs available (at most 8)."""
    if replications < 200:
        return 1
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(available or os.cpu_count() or 1, 8))


def _start_method() -> str:
    """`fork` when this process has one thread (fast, nothing re-imported); otherwise forkserver.

    Forking a threaded process (a Kafka client, a web server) can copy a held lock into the child,
    so a threaded caller gets fresh worker processes instead; those re-import the caller's main
    module, which must then be guarded by `if __name__ == "__main__":`.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _chunks(world: World, master_seed: int, tasks: list[tuple[int, int, int]],
            workers: int) -> Generator[tuple[int, FloatArray], None, None]:
    if workers <= 1:
        for seed, start, stop in tasks:
            yield start, simulate_replications(world, seed, start, stop)
        return
    context = multiprocessing.get_context(_start_method())
    with context.Pool(workers, initializer=_init_worker, initargs=(world.scenario,)) as pool:
        yield from pool.imap_unordered(_run_chunk, tasks)


def run_monte_carlo(
    scenario: Scenario | World, replications: int = 1000, master_seed: int = 0, *,
    workers: int | None = None, progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
) -> MonteCarloSummary:
    """Run N replications and summarise them; raises SimulationCancelled when asked to stop."""
    if replications < 1:
        raise ValueError("replications must be at least 1")
    world = scenario if isinstance(scenario, World) else build_world(scenario)
    workers = default_workers(replications) if workers is None else workers
    size = max(1, min(50, math.ceil(replications / (4 * workers))))
    tasks = [(master_seed, start, min(start + size, replications))
             for start in range(0, replications, size)]
    tables = np.empty((replications, len(OUTPUTS), world.quarters))
    done = 0
    with closing(_chunks(world, master_seed, tasks, workers)) as chunks:  # stops the workers
        for start, block in chunks:
            if should_cancel is not None and should_cancel():
                raise SimulationCancelled(f"cancelled after {done} of {replications} replications")
            tables[start:start + block.shape[0]] = block
            done += block.shape[0]
            if progress is not None:
                progress(done / replications)
    return summarise(world.scenario.name, master_seed, world.labels, tables)


def run_csm_ref_monte_carlo(
    replications: int = 1000, master_seed: int = 0, *, n_buyers: int = 211, steps: int = 40,
    scenario: str = "csm-ref", labels: tuple[str, ...] | None = None,
    progress: ProgressCallback | None = None, should_cancel: CancelCheck | None = None,
    chunk: int = 50,
) -> MonteCarloSummary:
    """csm-ref replications summarised like the market model (outputs: CSM_REF_OUTPUTS).

    Replication i runs with the first 64 bits of replication_seed(master_seed, i); a run takes
    about 2 ms, so one process suffices. Progress and cancellation work per chunk, as above.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    tables = np.empty((replications, len(CSM_REF_OUTPUTS), steps))
    for start in range(0, replications, chunk):
        if should_cancel is not None and should_cancel():
            raise SimulationCancelled(f"cancelled after {start} of {replications} replications")
        for i in range(start, min(start + chunk, replications)):
            seed = int(replication_seed(master_seed, i).generate_state(1, np.uint64)[0])
            run = run_csm_ref(n_buyers=n_buyers, steps=steps, seed=seed)
            tables[i] = (run.active_suppliers, run.hhi, run.in_house_share)
        if progress is not None:
            progress(min(start + chunk, replications) / replications)
    names = labels or tuple(f"step {k + 1}" for k in range(steps))
    return summarise(scenario, master_seed, names, tables, CSM_REF_OUTPUTS)


@dataclass(frozen=True)
class OutputDifference:
    """Variant minus base, per quarter: difference of means and its 90% interval."""

    mean: FloatArray
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class ScenarioComparison:
    """How a variant scenario differs from a base scenario, output by output."""

    base: str
    variant: str
    labels: tuple[str, ...]
    outputs: dict[str, OutputDifference]


def compare(base: MonteCarloSummary, variant: MonteCarloSummary) -> ScenarioComparison:
    """Difference of means with a normal (Welch) 90% interval, per output and quarter."""
    if base.labels != variant.labels:
        raise ValueError("scenarios cover different quarters; compare like with like")
    outputs = {}
    for name, b in base.outputs.items():
        v = variant.outputs[name]
        difference = v.mean - b.mean
        error = np.sqrt(v.sd ** 2 / variant.replications + b.sd ** 2 / base.replications)
        outputs[name] = OutputDifference(difference, difference - Z_90 * error,
                                         difference + Z_90 * error)
    return ScenarioComparison(base.scenario, variant.scenario, base.labels, outputs)
