"""The service benchmarks (assurance, procurement, market) as `make bench` results.

Each service's module measures on its own (`python -m bench.<service>_bench` prints a JSON
dict); this module runs it off the event loop and turns its figures into `Result`s with the
issue's targets, so that they land in bench/results/latest.json beside the foundation's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.foundation import Result, Target


async def assurance() -> list[Result]:
    """Publishing a national cycle (152 PCTs) with its league table; league endpoint p99."""
    from bench import assurance_bench

    data = await asyncio.to_thread(assurance_bench.run)
    publication = data["publication"]
    results = [Result("assurance.publish_national_cycle_and_league",
                      publication["publish_and_league_s"], "s",
                      Target("<=", assurance_bench.TARGET_PUBLISH_S, "s", "152 PCTs"),
                      publication)]
    for where, load in data["league_endpoint"].items():
        results.append(Result(f"assurance.league_endpoint.{where}.p99", load["p99_ms"], "ms",
                              Target("<=", assurance_bench.TARGET_P99_MS, "ms"), load))
    return results


async def procurement() -> list[Result]:
    """Evaluating a call-off with 14 bids; the OCDS export of 1,000 processes."""
    from bench import procurement_bench

    data = await asyncio.to_thread(procurement_bench.run)
    evaluation, export = data["evaluation"], data["ocds_export"]
    return [
        Result("procurement.evaluation_14_bids.api_median", evaluation["api_evaluation"]
               ["median_ms"], "ms", None, evaluation),
        Result("procurement.award_14_bids", evaluation["award_ms"], "ms", None, evaluation),
        Result("procurement.ocds_feed_1000_processes", export["feed"]["seconds"], "s", None,
               export),
        Result("procurement.ocds_package_per_process", export["packages_one_by_one"]
               ["per_process_ms"], "ms", None, export),
    ]


async def market() -> list[Result]:
    """csm-ref against Mesa; a national run; 1,000 replications; memory over 1,000 runs."""
    from bench import market_bench

    data: dict[str, Any] = await asyncio.to_thread(market_bench.run)
    results = []
    for buyers, sizes in data["csm_ref"].items():
        for engine in ("numpy", "mesa"):
            results.append(Result(f"market.csm_ref.{engine}.{buyers}_buyers",
                                  sizes[engine]["agent_steps_per_s"], "agent-steps/s", None,
                                  sizes[engine]))
        target = (Target(">=", market_bench.TARGET_RATIO, "x Mesa")
                  if buyers == "2110" else None)
        results.append(Result(f"market.csm_ref.ratio.{buyers}_buyers", sizes["ratio"],
                              "x Mesa", target))
    national = data["national_run"]
    results.append(Result("market.national_run", national["median_ms"], "ms",
                          Target("<=", 5, "ms", "211 CCGs, 20 quarters"), national))
    monte_carlo = data["monte_carlo"]
    results.append(Result("market.monte_carlo_1000", monte_carlo["seconds"], "s",
                          Target("<=", 10, "s", "on 2 cores"), monte_carlo))
    memory = data["memory"]
    results.append(Result("market.memory_growth_1000_runs", memory["growth_kib"], "KiB",
                          Target("<=", 1024, "KiB", "flat: under 1 MiB over 1,000 runs"),
                          memory))
    lag = data["event_loop_lag"]
    results.append(Result("market.event_loop_lag_during_run.p99", lag["p99_ms"], "ms",
                          Target("<=", 50, "ms", "timers late while a worker simulates"), lag))
    return results
