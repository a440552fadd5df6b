"""Market runs through the real broker: queued by the API, executed by market workers.

The API writes the run and its market.run.requested.v1 to the outbox; the worker's relay
publishes it, the worker's consumer claims the run and its executor runs the study off the
event loop, then market.run.completed.v1 goes out the same way. Assurance's ratings and
procurement's contracts produced to their (test-prefixed) topics change the next run's inputs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import orjson
from pydantic import BaseModel

from services.market import worker
from shared.events.contracts import contract_for
from shared.events.contracts.assurance import AssessmentRated
from shared.events.contracts.procurement import ContractAwarded, ContractSigned
from shared.events.envelope import CONTENT_TYPE, Envelope, new_envelope
from shared.events.relay import make_producer
from shared.events.topics import ensure_topics, with_dlqs
from shared.testing.tokens import TokenFactory
from shared.testing.workers import eventually
from tests.integration.helpers import count, read_topic, rows
from tests.market.helpers import People, ok, people, queue_run

FAST = {"simulation_processes": 1, "run_progress_interval": 0.2, "run_heartbeat_interval": 0.5,
        "run_recovery_interval": 0.5, "run_pickup_interval": 0.3}


@asynccontextmanager
async def market_worker(settings: Any) -> AsyncIterator[asyncio.Task[None]]:
    """services.market.worker.run (relay, consumer, executor, recovery) as a task."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(settings, stop=stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)


def produce(stack: Any, payload: BaseModel) -> None:
    entry = contract_for(payload)
    topic = stack.prefix + entry.topic
    ensure_topics(stack.bootstrap, with_dlqs([topic]), partitions=3, replication=1)
    envelope = new_envelope(source=f"/services/{entry.service}", type_=entry.type,
                            subject=str(getattr(payload, entry.key_field)),
                            data=payload.model_dump(mode="json"), correlation_id="it-market")
    producer = make_producer(stack.bootstrap, client_id="it-market-producer")
    try:
        producer.send(topic, key=envelope.subject.encode(), value=envelope.to_bytes(),
                      headers=[("content-type", CONTENT_TYPE.encode())]).get(timeout=30)
    finally:
        producer.close(timeout=10)


def run_events(stack: Any, expected: int) -> list[Envelope]:
    records = read_topic(stack.bootstrap, stack.prefix + "market.run", expected=expected,
                         timeout_ms=10_000)
    return [Envelope.model_validate(orjson.loads(record.value)) for record in records]


def completions(events: list[Envelope]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event.type == "market.run.completed.v1":
            found.setdefault(event.data["run_id"], []).append(event.data)
    return found


async def statuses(client: Any, who: People, runs: list[dict[str, Any]]) -> list[str]:
    return [ok(await client.get(f"/runs/{run['id']}", headers=who.headers()))["status"]
            for run in runs]


async def drained(url: str) -> bool:
    return await count(url, "outbox WHERE published_at IS NULL") == 0


class TestRunThroughTheBroker:
    async def test_a_worker_executes_queued_runs_and_announces_them(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        settings, url, who = stack.settings("market", **FAST), stack.urls["market"], people(tokens)
        async with live_app("market", settings) as (_app, client):
            runs = [await queue_run(client, who, replications=40, seed=11) for _ in range(2)]
            async with market_worker(settings):
                await eventually(lambda: _all(client, who, runs, "completed"), timeout=90,
                                 message="both runs to complete")
                await eventually(lambda: drained(url), timeout=30, message="the outbox")
            results = [ok(await client.get(f"/runs/{run['id']}/results", headers=who.headers()))
                       for run in runs]
            chart = await client.get(f"/runs/{runs[0]['id']}/charts/suppliers.svg",
                                     headers=who.headers())
        assert results[0]["outputs"] == results[1]["outputs"]  # same scenario and seed
        assert results[0]["outputs"]["active_csus"]["mean"][0] == 19.0
        assert chart.status_code == 200 and chart.text.startswith("<svg")
        events = run_events(stack, expected=4)
        assert sorted(e.type for e in events) == ["market.run.completed.v1"] * 2 + [
            "market.run.requested.v1"] * 2
        done = completions(events)
        assert set(done) == {run["id"] for run in runs}
        assert all(d[0]["status"] == "completed" and d[0]["summary"]["active_csus"] > 0
                   for d in done.values())

    async def test_two_workers_in_the_group_execute_each_run_once(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        settings, url, who = stack.settings("market", **FAST), stack.urls["market"], people(tokens)
        workers = [stack.worker_process("market", **FAST).start() for _ in range(2)]
        try:
            async with live_app("market", settings) as (_app, client):
                runs = [await queue_run(client, who, replications=200, seed=seed)
                        for seed in range(6)]
                await eventually(lambda: _all(client, who, runs, "completed"), timeout=120,
                                 message="six runs to complete")
            await eventually(lambda: drained(url), timeout=30, message="the outbox")
        finally:
            logs = [(w.stop(), w.log()) for w in workers]
        held = await rows(url, "SELECT id, attempts, worker_id FROM run")
        assert [row["attempts"] for row in held] == [1] * 6, logs
        # One slot each: a busy worker leaves runs queued and the idle one picks them up.
        assert len({row["worker_id"] for row in held}) == 2, held
        done = completions(run_events(stack, expected=12))
        assert {run_id: len(items) for run_id, items in done.items()} == {
            run["id"]: 1 for run in runs}
        assert all(code == 0 for code, _ in logs), logs

    async def test_a_long_run_is_cancelled_while_it_runs(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        settings, who = stack.settings("market", **FAST), people(tokens)
        async with live_app("market", settings) as (_app, client):
            run = await queue_run(client, who, replications=10_000)
            async with market_worker(settings):
                await eventually(lambda: _progressing(client, who, run), timeout=60,
                                 message="the run to make progress")
                ok(await client.post(f"/runs/{run['id']}/cancel", headers=who.headers()))
                await eventually(lambda: _all(client, who, [run], "cancelled"), timeout=30,
                                 message="the run to stop")
                await eventually(lambda: drained(stack.urls["market"]), timeout=30,
                                 message="the outbox")
            read = ok(await client.get(f"/runs/{run['id']}", headers=who.headers()))
            results = await client.get(f"/runs/{run['id']}/results", headers=who.headers())
        assert 0 < read["progress_percent"] < 100 and read["finished_at"] is not None
        assert results.status_code == 409
        [cancelled] = completions(run_events(stack, expected=2))[run["id"]]
        assert cancelled["status"] == "cancelled" and cancelled["summary"] == {}

    async def test_a_run_whose_worker_was_killed_is_recovered_by_another(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        settings, who = stack.settings("market", **FAST), people(tokens)
        recovering = {**FAST, "run_stale_after": 3.0}
        first = stack.worker_process("market", **recovering).start()
        second = None
        try:
            async with live_app("market", settings) as (_app, client):
                run = await queue_run(client, who, replications=2_000)
                await eventually(lambda: _progressing(client, who, run), timeout=60,
                                 message="the first worker to start the run")
                first.process.kill()  # type: ignore[union-attr]
                first.wait(timeout=10)
                second = stack.worker_process("market", **recovering).start()
                await eventually(lambda: _all(client, who, [run], "completed"), timeout=120,
                                 message="the second worker to finish the run")
                read = ok(await client.get(f"/runs/{run['id']}", headers=who.headers()))
        finally:
            logs = first.log() + (second.log() if second else "")
            if second is not None:
                second.stop()
        assert read["attempts"] == 2, logs
        requested = [e.data["attempt"] for e in run_events(stack, expected=3)
                     if e.type == "market.run.requested.v1"]
        assert requested == [1, 2]


class TestObservationsThroughTheBroker:
    async def test_ratings_and_contracts_change_the_next_runs_inputs(
            self, stack: Any, live_app: Any, tokens: TokenFactory) -> None:
        settings, url, who = stack.settings("market", **FAST), stack.urls["market"], people(tokens)
        produce(stack, AssessmentRated(
            assessment_id="a-1", cycle_id="c-1", cycle_year="2008/09", framework_version="v1",
            pct_id="pct-1", sha_id="sha-1", competency_levels={"1": 2, "2": 1, "3": 1, "11": None},
            governance={"strategy": "RED", "finance": "AMBER", "board": "GREEN"},
            league_score=31.0, published_on=date(2009, 3, 31)))
        produce(stack, ContractAwarded(
            contract_id="k-1", call_off_id="co-1", pct_id="pct-1", sha_id="sha-1",
            supplier_id="FESC01", package_type="end_to_end", groupings=["assessment_and_planning"],
            payment_model="risk_reward", value_pence=425_000_000, start_date=date(2008, 7, 1),
            end_date=date(2010, 6, 30), population_served=250_000))
        produce(stack, ContractSigned(  # signed for less than awarded: the signed value counts
            contract_id="k-1", pct_id="pct-1", supplier_id="FESC01", payment_model="risk_reward",
            value_pence=400_000_000, signed_on=date(2008, 6, 20)))
        async with live_app("market", settings) as (_app, client):
            before = await queue_run(client, who, replications=5)
            async with market_worker(settings):
                await eventually(lambda: _observed(url), timeout=60,
                                 message="the rating and the contract to be applied")
                after = await queue_run(client, who, replications=5)
                await eventually(lambda: _all(client, who, [before, after], "completed"),
                                 timeout=60, message="both runs to complete")
        assert (before["inputs"]["ratings"], before["inputs"]["observed_contracts"]) == (0, 0)
        inputs = after["inputs"]
        assert (inputs["ratings"], inputs["reliant_share"]) == (1, 1.0)
        # £4m over 730 days for 250,000 people: 1,600p / (730 / 365.25) = 800.5p a head a year
        assert (inputs["observed_contracts"], inputs["mean_price_per_head_pence"]) == (1, 801)
        assert inputs["demand_adjustment"] > 1.0
        assert inputs["applied"]["in_house.quality"] < 0.6


async def _all(client: Any, who: People, runs: list[dict[str, Any]], status: str) -> bool:
    return set(await statuses(client, who, runs)) == {status}


async def _progressing(client: Any, who: People, run: dict[str, Any]) -> bool:
    read = ok(await client.get(f"/runs/{run['id']}", headers=who.headers()))
    return bool(read["status"] == "running" and read["progress_percent"] > 0)


async def _observed(url: str) -> bool:
    signed = await rows(url, "SELECT signed_on FROM contract_observation")
    return await count(url, "pct_rating") == 1 and [r["signed_on"] for r in signed] == [
        date(2008, 6, 20)]
