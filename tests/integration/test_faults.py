"""Faults, each with nothing lost and nothing applied twice.

A worker killed with SIGKILL mid-flow; PostgreSQL restarted under a consumer and under a relay;
the broker stopped for a minute while the API keeps accepting writes; a poison event in every
consumer. PostgreSQL and Kafka restarts use private instances in tmp_path, so the session's
shared ones (and the tests after this one) never see the fault.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import importlib.util
import signal
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from services.identity.organisation import service as organisations
from services.identity.organisation.schemas import OrganisationCreate, OrganisationUpdate
from shared.db import create_engine, create_sessionmaker
from shared.events.contracts import CONTRACTS
from shared.events.envelope import Envelope, new_envelope
from shared.events.topics import ensure_topics, with_dlqs
from shared.testing.kafka import KafkaBroker, send_in_order
from shared.testing.plugin import SERVICES, ServiceDatabases
from shared.testing.postgres import PostgresCluster
from shared.testing.tokens import TokenFactory
from shared.testing.workers import WorkerProcess, eventually, running_worker
from tests.assurance.helpers import WORLD, YEAR_1, Api
from tests.integration.helpers import (
    assert_applied_exactly_once,
    committed_offsets,
    count,
    read_topic,
    rows,
)

ORGANISATION_TOPIC = "identity.organisation"


# ---- fixtures and shared steps ------------------------------------------------------------------


@pytest.fixture
def private_postgres(tmp_path: Path) -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of this test's own, free to be restarted."""
    cluster = PostgresCluster(tmp_path / "postgres")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.close(mode="immediate")


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    """A Kafka broker of this test's own, free to be stopped for a minute."""
    broker = KafkaBroker(tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


async def move_database(stack: Any, cluster: PostgresCluster, service: str) -> str:
    """Give `service` a fresh migrated database on `cluster` (workers started later use it)."""
    name = f"{service}_{stack.prefix.strip('.')}"
    url = await asyncio.to_thread(ServiceDatabases(cluster, {}).fresh, name, service)
    stack.urls[service] = url
    return url


class Stream:
    """Identity writes at a steady pace: `organisations` registrations, then `renames` rounds
    renaming each of them, one transaction (and one event) per write.

    After `hold_after` writes it waits for `resume`, so that a fault injected once the stream
    is flowing lands before its end however slowly the workers started; the rest of the
    stream is written during or after the fault."""

    def __init__(self, url: str, *, organisations: int, renames: int, per_second: float,
                 hold_after: int) -> None:
        self.engine = create_engine(url)
        self.organisations = organisations
        self.renames = renames
        self.per_second = per_second
        self.hold_after = hold_after
        self.resume = asyncio.Event()
        self.written = 0
        self._gate = asyncio.Lock()

    @property
    def total(self) -> int:
        return self.organisations * (1 + self.renames)

    def final_names(self) -> set[str]:
        return {f"Organisation {i} v{self.renames}" for i in range(self.organisations)}

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No write in flight or started during the block; the pool is renewed after it."""
        async with self._gate:
            yield
            await self.engine.dispose()  # its connections may belong to a server now gone

    async def run(self) -> None:
        sessions = create_sessionmaker(self.engine)
        ids: list[str] = []
        try:
            for i in range(self.organisations):
                async with self._gate, sessions() as session, session.begin():
                    org = await organisations.register(session, OrganisationCreate(
                        code=f"F{i:03d}", name=f"Organisation {i} v0", type="SUPPLIER",
                        valid_from=date(2007, 10, 5)), actor="test")
                    ids.append(org.id)
                await self._pace()
            for version in range(1, self.renames + 1):
                for i, org_id in enumerate(ids):
                    async with self._gate, sessions() as session, session.begin():
                        await organisations.update(session, org_id, OrganisationUpdate(
                            name=f"Organisation {i} v{version}"), actor="test")
                    await self._pace()
        finally:
            await self.engine.dispose()

    async def _pace(self) -> None:
        self.written += 1
        if self.written == self.hold_after:
            await self.resume.wait()
        await asyncio.sleep(1 / self.per_second)


async def directory_names(url: str) -> list[str]:
    return sorted(r["name"] for r in await rows(url, "SELECT name FROM organisation_directory"))


def dead_letters(stack: Any, topic: str) -> list[Any]:
    return read_topic(stack.bootstrap, stack.prefix + topic + ".dlq", timeout_ms=3000)


async def at_least(url: str, table: str, n: int) -> bool:
    return await count(url, table) >= n


async def equals(value: Awaitable[int], expected: int) -> bool:
    return (await value) == expected


def sigkill(worker: WorkerProcess) -> int:
    """kill -9, as the OOM killer or a lost node would: no shutdown code runs."""
    assert worker.process is not None and worker.process.poll() is None, worker.log()
    worker.process.send_signal(signal.SIGKILL)
    return worker.process.wait(timeout=30)


# ---- 1. a worker killed mid-flow ----------------------------------------------------------------


class TestWorkerKilled:
    async def test_consumer_and_relay_killed_mid_flow_apply_every_event_once(
        self, stack: Any,
    ) -> None:
        identity = stack.urls["identity"]
        consumers = ("assurance", "procurement")
        stream = Stream(identity, organisations=40, renames=9, per_second=80, hold_after=200)
        relay = stack.worker_process("identity").start()
        workers = {svc: stack.worker_process(svc).start() for svc in consumers}
        writing = asyncio.create_task(stream.run())
        restarted: list[WorkerProcess] = []
        try:
            await eventually(lambda: at_least(stack.urls["assurance"], "inbox", 100),
                             timeout=120, message="events to be flowing into assurance")
            # A real kill -9 of the consumer while it applies the stream (no failpoint), and
            # of identity's relay while it publishes.
            assert sigkill(workers["assurance"]) == -signal.SIGKILL
            assert sigkill(relay) == -signal.SIGKILL
            applied_at_kill = await count(stack.urls["assurance"], "inbox")
            written_at_kill = stream.written
            stream.resume.set()
            await asyncio.sleep(2)  # the stream goes on meanwhile
            restarted = [stack.worker_process("identity").start(),
                         stack.worker_process("assurance").start()]
            await writing
            for service in consumers:
                url = stack.urls[service]
                await eventually(partial(at_least, url, "inbox", stream.total),
                                 timeout=180, interval=0.5,
                                 message=f"{service} to apply all {stream.total} events")
        finally:
            writing.cancel()
            stops = [w.stop() for w in (*restarted, workers["procurement"])]
        assert stops == [0, 0, 0]

        assert 100 <= applied_at_kill < stream.total  # killed partway through
        assert written_at_kill < stream.total  # and while events were still being written
        for service in consumers:
            await assert_applied_exactly_once(identity, stack.urls[service],
                                              expected=stream.total)
            assert await directory_names(stack.urls[service]) == sorted(stream.final_names())
        assert await count(identity, "outbox WHERE published_at IS NULL") == 0
        assert dead_letters(stack, ORGANISATION_TOPIC) == []


# ---- 2. PostgreSQL restarted --------------------------------------------------------------------


class TestPostgresRestarted:
    async def test_a_consumer_waits_out_its_database_restart_and_dead_letters_nothing(
        self, stack: Any, private_postgres: PostgresCluster,
    ) -> None:
        identity = stack.urls["identity"]
        assurance = await move_database(stack, private_postgres, "assurance")
        stream = Stream(identity, organisations=30, renames=9, per_second=40, hold_after=150)
        relay = stack.worker_process("identity").start()
        consumer = stack.worker_process("assurance").start()
        writing = asyncio.create_task(stream.run())
        try:
            await eventually(lambda: at_least(assurance, "inbox", 40), timeout=120,
                             message="events to be flowing into assurance")
            await asyncio.to_thread(private_postgres.stop)
            written_at_stop = stream.written
            stream.resume.set()
            await asyncio.sleep(4)  # far longer than the consumer's retries (~1.4 s) last
            await asyncio.to_thread(private_postgres.start)
            await writing
            await eventually(lambda: at_least(assurance, "inbox", stream.total), timeout=180,
                             interval=0.5, message=f"all {stream.total} events to be applied")
        finally:
            writing.cancel()
            stops = [relay.stop(), consumer.stop()]
        assert stops == [0, 0], consumer.log()[-3000:]

        assert written_at_stop < stream.total  # restarted while events were being produced
        assert "database unreachable; will try the same event(s) again" in consumer.log()
        assert dead_letters(stack, ORGANISATION_TOPIC) == []
        await assert_applied_exactly_once(identity, assurance, expected=stream.total)
        assert await directory_names(assurance) == sorted(stream.final_names())

    async def test_a_relay_resumes_after_its_database_restart_and_publishes_everything(
        self, stack: Any, private_postgres: PostgresCluster,
    ) -> None:
        # Producer and consumer on one server: the restart hits the relay and the consumer.
        identity = await move_database(stack, private_postgres, "identity")
        assurance = await move_database(stack, private_postgres, "assurance")
        stream = Stream(identity, organisations=30, renames=9, per_second=40, hold_after=150)
        relay = stack.worker_process("identity").start()
        consumer = stack.worker_process("assurance").start()
        writing = asyncio.create_task(stream.run())
        try:
            await eventually(lambda: at_least(assurance, "inbox", 40), timeout=120,
                             message="events to be flowing into assurance")
            async with stream.paused():
                written_at_restart = stream.written
                await asyncio.to_thread(private_postgres.stop)
                await asyncio.sleep(3)
                await asyncio.to_thread(private_postgres.start)
            stream.resume.set()
            await writing
            await eventually(lambda: equals(
                count(identity, "outbox WHERE published_at IS NULL"), 0), timeout=120,
                interval=0.5, message="identity's outbox to drain")
            await eventually(lambda: at_least(assurance, "inbox", stream.total), timeout=180,
                             interval=0.5, message=f"all {stream.total} events to be applied")
            lock_holders = await _relay_lock_holders(identity, "identity")
        finally:
            writing.cancel()
            stops = [relay.stop(), consumer.stop()]
        assert stops == [0, 0], relay.log()[-3000:]  # the lost lock does not fail the shutdown

        assert 0 < written_at_restart < stream.total
        assert "outbox lock lost with its database session; taking it again" in relay.log()
        assert lock_holders == 1  # the relay took its lock again after the restart
        published = read_topic(stack.bootstrap, stack.prefix + ORGANISATION_TOPIC,
                               expected=None, timeout_ms=5000)
        outbox = {r["event_id"] for r in await rows(identity, "SELECT event_id FROM outbox")}
        assert {Envelope.from_bytes(r.value).id for r in published} == outbox
        # A batch sent but not yet marked when the server went down is sent again; at most
        # that one batch is duplicated on the topic, and the inbox absorbs it.
        assert len(published) - len(outbox) <= 500
        assert dead_letters(stack, ORGANISATION_TOPIC) == []
        await assert_applied_exactly_once(identity, assurance, expected=stream.total)
        assert await directory_names(assurance) == sorted(stream.final_names())


async def _relay_lock_holders(url: str, service: str) -> int:
    key = zlib.crc32(f"outbox-relay:{service}".encode())
    found = await rows(url, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' "
                            "AND granted AND objid::bigint = :key", key=key)
    return int(found[0]["n"])


# ---- 3. the broker stopped for a minute ---------------------------------------------------------

OUTAGE_SECONDS = 60


class TestBrokerStopped:
    @pytest.mark.timeout(300)
    async def test_writes_keep_succeeding_the_outbox_grows_then_drains_once(
        self, stack: Any, private_broker: KafkaBroker, live_app: Any, tokens: TokenFactory,
    ) -> None:
        stack = dataclasses.replace(stack, bootstrap=private_broker.bootstrap)
        identity, assurance = stack.urls["identity"], stack.urls["assurance"]
        admin = tokens.headers(org_id="doh", org_type="DOH", roles=["doh_admin"],
                               audience="identity")
        relay = stack.worker_process("identity").start()
        consumer = stack.worker_process("assurance").start()
        statuses: list[int] = []
        backlog: list[int] = []
        try:
            async with live_app("identity", stack.settings("identity")) as (_app, client):
                async def register(i: int) -> str:
                    response = await client.post("/organisations", headers=admin, json={
                        "code": f"B{i:03d}", "name": f"Supplier {i}", "type": "SUPPLIER",
                        "valid_from": "2007-10-05"})
                    statuses.append(response.status_code)
                    return str(response.json().get("id"))

                async def rename(org_id: str, name: str) -> None:
                    response = await client.patch(f"/organisations/{org_id}", headers=admin,
                                                  json={"name": name})
                    statuses.append(response.status_code)

                before = [await register(i) for i in range(10)]
                await eventually(lambda: at_least(assurance, "inbox", 10), timeout=120,
                                 message="the first 10 events to be applied")

                await asyncio.to_thread(private_broker.stop)
                stopped = time.monotonic()
                written, i = 0, 10
                while time.monotonic() - stopped < OUTAGE_SECONDS:
                    org_id = await register(i)
                    await rename(org_id, f"Supplier {i} renamed")
                    await rename(before[i % 10], f"Supplier {i % 10} v{i}")
                    written, i = written + 3, i + 1
                    backlog.append(await count(identity, "outbox WHERE published_at IS NULL"))
                    await asyncio.sleep(1)
                applied_during_outage = await count(assurance, "inbox")
                await asyncio.to_thread(private_broker.start)

            total = 10 + written
            await eventually(lambda: equals(
                count(identity, "outbox WHERE published_at IS NULL"), 0), timeout=120,
                interval=0.5, message="the outbox to drain")
            await eventually(lambda: at_least(assurance, "inbox", total), timeout=120,
                             interval=0.5, message=f"all {total} events to be applied")
        finally:
            stops = [relay.stop(), consumer.stop()]
        assert stops == [0, 0]

        assert set(statuses) <= {200, 201} and len(statuses) == total  # the API never failed
        # Nothing could be published during the outage: every write of it waited in the outbox.
        assert written >= 90
        assert backlog == sorted(backlog) and backlog[-1] == written
        assert applied_during_outage == 10
        await assert_applied_exactly_once(identity, assurance, expected=total)
        names = {r["code"]: r["name"] for r in await rows(
            assurance, "SELECT code, name FROM organisation_directory")}
        assert len(names) == i
        assert names["B015"] == "Supplier 15 renamed"
        assert dead_letters(stack, ORGANISATION_TOPIC) == []


# ---- 4. a poison event in every consumer --------------------------------------------------------


def _organisation(org_id: str, code: str) -> dict[str, Any]:
    return {"organisation_id": org_id, "code": code, "name": f"{code} (test)", "type": "PCT",
            "valid_from": "2006-10-01"}


def _contract(contract_id: str) -> dict[str, Any]:
    return {"contract_id": contract_id, "call_off_id": "call-off-1", "pct_id": "pct-1",
            "sha_id": "sha-1", "supplier_id": "FESC01", "package_type": "micro",
            "groupings": ["assessment_and_planning"], "payment_model": "fixed_fee",
            "value_pence": 4_500_000, "start_date": "2009-02-01", "end_date": "2009-07-31"}


def _rating(pct_id: str) -> dict[str, Any]:
    return {"assessment_id": "assessment-1", "cycle_id": "cycle-1", "cycle_year": "2008/09",
            "framework_version": "wcc-2008-09", "pct_id": pct_id, "sha_id": "sha-1",
            "competency_levels": {"1": 3, "2": 2}, "governance": {"strategy": "GREEN"},
            "league_score": 55.5, "published_on": "2009-06-30"}


def _autonomy(pct_id: str) -> dict[str, Any]:
    return {"decision_id": "decision-1", "pct_id": pct_id, "sha_id": "sha-1",
            "cycle_id": "cycle-1", "tier": "good_standing",
            "freedoms": {"review_frequency_months": 12}, "reasons": ["all green"],
            "valid_from": "2009-07-01", "valid_to": "2010-06-30"}


def _support_need(support_need_id: str, pct_id: str) -> dict[str, Any]:
    return {"support_need_id": support_need_id, "assessment_id": "assessment-1",
            "pct_id": pct_id, "sha_id": "sha-1", "competency": "5",
            "competency_name": "Prioritise investment", "level": 2, "target_level": 3,
            "support_form": "staffing_capacity", "grouping": "assessment_and_planning",
            "package_type": "micro"}


def _run(run_id: str) -> dict[str, Any]:
    return {"run_id": run_id, "scenario": "baseline", "replications": 1, "seed": 7}


def _outcome(metric: str) -> dict[str, Any]:
    return {"pct_id": WORLD.pct_a1, "cycle_year": YEAR_1, "metric": metric, "value": "80",
            "source": "nhs-information-centre", "reported_on": "2009-01-15"}


TOO_LONG = "x" * 70  # longer than the id columns (36 or 64 characters) the handlers write


@dataclasses.dataclass(frozen=True)
class Poison:
    """One consumed topic of one service: an event its handler rejects, and a good one."""

    service: str
    type: str
    good: dict[str, Any]
    failing: dict[str, Any]  # meets the contract; the handler (or its database) refuses it
    error: str  # in the failing event's `dlq.error`
    effect: str | None  # `table WHERE ...` finding the good event's effect, besides its inbox row
    setup: tuple[dict[str, Any], ...] = ()  # applied first (what the failing one clashes with)

    @property
    def topic(self) -> str:
        return CONTRACTS[self.type].topic

    def __str__(self) -> str:
        return f"{self.service}<-{self.topic}"


REGISTERED = "identity.organisation.registered.v1"
CLASH = _organisation("org-holder", "PX1")  # the failing one claims its code: unique code breaks


def _directory(service: str) -> Poison:
    return Poison(service, REGISTERED, _organisation("org-good", "PG1"),
                  _organisation("org-claimant", "PX1"), "IntegrityError",
                  "organisation_directory WHERE organisation_id = 'org-good'",
                  setup=(CLASH,))


POISONS = [
    Poison("assurance", "assurance.outcome.reported.v1", _outcome("circulatory_deaths"),
           _outcome("happiness_index"),
           "OutcomeReportRejected: unknown outcome metric 'happiness_index'",
           "outcome_value WHERE actual = '80'"),
    _directory("assurance"),
    Poison("assurance", "procurement.contract.awarded.v1", _contract("contract-good"),
           _contract(TOO_LONG), "value too long",
           "external_support WHERE contract_id = 'contract-good'"),
    Poison("procurement", "assurance.assessment.rated.v1", _rating("pct-good"),
           _rating(TOO_LONG), "value too long",
           "pct_rating WHERE pct_id = 'pct-good'"),
    Poison("procurement", "assurance.autonomy.granted.v1", _autonomy("pct-good"),
           _autonomy(TOO_LONG), "value too long",
           "pct_freedoms WHERE pct_id = 'pct-good'"),
    Poison("procurement", "assurance.support_need.identified.v1",
           _support_need("need-good", "pct-good"), _support_need("need-bad", TOO_LONG),
           "value too long", "recommendation WHERE support_need_id = 'need-good'"),
    _directory("procurement"),
    Poison("market", "assurance.assessment.rated.v1", _rating("pct-good"), _rating(TOO_LONG),
           "value too long", "pct_rating WHERE pct_id = 'pct-good'"),
    _directory("market"),
    # No queued run has this id: applying the request finds nothing to claim. A NUL character
    # passes the contract but not PostgreSQL.
    Poison("market", "market.run.requested.v1", _run(str(uuid.uuid4())), _run("run\x00id"),
           "invalid byte sequence", None),
    Poison("market", "procurement.contract.awarded.v1", _contract("contract-good"),
           _contract(TOO_LONG), "value too long",
           "contract_observation WHERE contract_id = 'contract-good'"),
]


def _consumed() -> set[tuple[str, str]]:
    """Every (service, topic) that some service's handlers consume."""
    found = set()
    for service in SERVICES:
        if importlib.util.find_spec(f"services.{service}.handlers") is None:
            continue  # identity consumes nothing
        handlers = importlib.import_module(f"services.{service}.handlers").HANDLERS
        found |= {(service, CONTRACTS[event_type].topic) for event_type in handlers}
    return found


class TestPoisonEvents:
    def test_every_consumed_topic_has_a_poison_case(self) -> None:
        assert {(p.service, p.topic) for p in POISONS} == _consumed()

    @pytest.mark.parametrize("poison", POISONS, ids=str)
    async def test_each_poison_is_dead_lettered_and_the_good_event_behind_it_applies(
        self, stack: Any, poison: Poison, live_app: Any, tokens: TokenFactory,
    ) -> None:
        url = stack.urls[poison.service]
        if poison.topic == "assurance.outcome":
            await _open_assessment_for_reports(stack, live_app, tokens)
        topic = stack.prefix + poison.topic
        await asyncio.to_thread(ensure_topics, stack.bootstrap, with_dlqs([topic]),
                                partitions=3, replication=1)
        contract_breaking = copy.deepcopy(poison.good)
        missing = CONTRACTS[poison.type].key_field
        del contract_breaking[missing]
        setup = [_event(poison.type, data) for data in poison.setup]
        malformed = b'{"specversion": "1.0", "id": "cut-short'
        broken, failing, good = (_event(poison.type, data) for data in (
            contract_breaking, poison.failing, poison.good))
        values = [e.to_bytes() for e in setup] + [malformed] + [
            e.to_bytes() for e in (broken, failing, good)]
        await asyncio.to_thread(send_in_order, stack.bootstrap, topic, values, key=b"poison-key")

        settings = stack.settings(poison.service, consumer_max_retries=2)
        async with _real_worker(poison.service, settings):
            await eventually(lambda: _committed(stack, poison.service, topic, len(values)),
                             timeout=90, message=f"{poison.service} to move past {topic}")

        dead = await asyncio.to_thread(read_topic, stack.bootstrap, topic + ".dlq",
                                       expected=3, timeout_ms=5000)
        headers = [dict(r.headers) for r in dead]
        assert [h["dlq.kind"] for h in headers] == [b"malformed", b"contract", b"handler"]
        assert [r.value for r in dead] == [malformed, broken.to_bytes(), failing.to_bytes()]
        first = len(setup)
        assert [h["dlq.offset"] for h in headers] == [str(first + n).encode() for n in range(3)]
        assert {h["dlq.group"] for h in headers} == {(stack.prefix + poison.service).encode()}
        assert {h["dlq.topic"] for h in headers} == {topic.encode()}
        errors = [h["dlq.error"].decode() for h in headers]
        assert errors[0].startswith("malformed envelope")
        assert errors[1].startswith("payload breaks its contract") and missing in errors[1]
        assert poison.error in errors[2]

        applied = {r["event_id"] for r in await rows(url, "SELECT event_id FROM inbox")}
        assert applied == {e.id for e in (*setup, good)}
        if poison.effect is not None:
            assert await count(url, poison.effect) == 1


@asynccontextmanager
async def _real_worker(service: str, settings: Any) -> AsyncIterator[None]:
    """The service's worker as `python -m services.<service>.worker` runs it, in this loop."""
    if service != "market":
        async with running_worker(service, settings):
            yield
        return
    from services.market.worker import run  # with its run executor, which claims runs

    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop=stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=60)


async def _open_assessment_for_reports(stack: Any, live_app: Any, tokens: TokenFactory) -> None:
    """PCT A1 in the directory, the 2008/09 cycle open and its trajectory for
    circulatory_deaths entered: a reported value of that metric can apply."""
    url = stack.urls["assurance"]
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for org_id, code, type_, parent in [
                (WORLD.doh, "DH", "DOH", None), (WORLD.sha_a, "QA1", "SHA", WORLD.doh),
                (WORLD.pct_a1, "PA1", "PCT", WORLD.sha_a)]:
                await conn.execute(text(
                    "INSERT INTO organisation_directory (organisation_id, code, name, type, "
                    "parent_id, valid_from, updated_at) VALUES (:id, :code, :code, :type, "
                    ":parent, :valid_from, :now)"), {
                    "id": org_id, "code": code, "type": type_, "parent": parent,
                    "valid_from": date(2006, 7, 1), "now": datetime.now(UTC)})
    finally:
        await engine.dispose()
    async with live_app("assurance", stack.settings("assurance")) as (_app, client):
        api = Api(client, tokens)
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], WORLD.pct_a1)
        await api.call("PUT", f"/assessments/{aid}/outcomes", api.commissioner(WORLD.pct_a1),
                       {"outcomes": [{"metric": "circulatory_deaths", "baseline_year": "2007/08",
                                      "baseline": "75",
                                      "targets": ["70", "66", "62", "58", "55"]}]})


def _event(type_: str, data: dict[str, Any]) -> Envelope:
    producer = CONTRACTS[type_].service
    return new_envelope(source=f"/services/{producer}", type_=type_, subject="poison-key",
                        data=data, correlation_id="it-poison", time=datetime.now(UTC))


async def _committed(stack: Any, service: str, topic: str, n: int) -> bool:
    found = await asyncio.to_thread(committed_offsets, stack.bootstrap, stack.prefix + service,
                                    topic)
    return sum(v or 0 for v in found.values()) == n

