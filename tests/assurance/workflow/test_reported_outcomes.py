"""assurance.outcome.reported.v1: an integrator's outcome value, applied as the PCT's own would be.

Applied through the consumer's own code path (`Consumer.handle`: decode, contract check,
inbox, handler, one transaction) on the test's rolled-back connection; no broker is needed
until an event has to be dead-lettered (tests/integration/test_assurance_flow.py).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from kafka.consumer.fetcher import ConsumerRecord

from services.assurance.assessment.reported import OutcomeReportRejected
from services.assurance.database import inbox
from services.assurance.handlers import HANDLERS
from shared.events.consumer import Consumer, ConsumerConfig, Outcome
from shared.events.contracts.assurance import OutcomeReported
from shared.events.envelope import CONTENT_TYPE, Envelope, new_envelope
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, World, add_org, count

TYPE = "assurance.outcome.reported.v1"
# circulatory deaths (lower is better) is linked to competencies 5 and 6, which Year 1 caps at
# level 2 when a linked outcome is more than 10% behind its trajectory
TRAJECTORY = {"metric": "circulatory_deaths", "baseline_year": "2007/08", "baseline": "75",
              "targets": ["70", "66", "62", "58", "55"]}


def report(pct: str, value: str = "80", **changes: Any) -> OutcomeReported:
    fields: dict[str, Any] = {
        "pct_id": pct, "cycle_year": YEAR_1, "metric": "circulatory_deaths",
        "value": Decimal(value), "source": "nhs-information-centre",
        "reported_on": date(2009, 1, 15), **changes}
    return OutcomeReported(**fields)


def envelope_of(payload: OutcomeReported) -> Envelope:
    return new_envelope(source="/integrators/nhs-information-centre", type_=TYPE,
                        subject=payload.pct_id, data=payload.model_dump(mode="json"),
                        correlation_id="it-outcome-feed")


def record_of(envelope: Envelope, offset: int = 0) -> ConsumerRecord:
    value = envelope.to_bytes()
    return ConsumerRecord("assurance.outcome", 0, None, offset, 0, 0, envelope.subject.encode(),
                          value, [("content-type", CONTENT_TYPE.encode())], None,
                          len(envelope.subject or ""), len(value), -1)


@pytest.fixture
def consumer(assurance: ServiceHarness) -> Consumer:
    """The worker's consumer with assurance's handlers, on the test's connection."""
    return Consumer(ConsumerConfig(group_id="assurance", bootstrap="127.0.0.1:9",
                                   topics=("assurance.outcome",), max_retries=0),
                    handlers=HANDLERS, sessionmaker=assurance.app.state.sessionmaker,
                    inbox=inbox)


async def chosen(api: Api, world: World, year: str = YEAR_1,
                 **entry: Any) -> tuple[dict[str, Any], str]:
    """A cycle in which PCT A1 has chosen circulatory deaths, with no actual yet."""
    cycle = await api.open_cycle(year)
    aid = await api.assessment_id(cycle["id"], world.pct_a1)
    await api.call("PUT", f"/assessments/{aid}/outcomes", api.commissioner(world.pct_a1),
                   {"outcomes": [{**TRAJECTORY, **entry}]})
    return cycle, aid


class TestAppliedLikeThePctsOwnEntry:
    async def test_the_value_is_recorded_and_caps_the_linked_competencies(
        self, api: Api, world: World, consumer: Consumer,
    ) -> None:
        _cycle, aid = await chosen(api, world)
        assert await consumer.handle(record_of(envelope_of(report(world.pct_a1)))) == (
            Outcome.APPLIED)
        read = await api.call("GET", f"/assessments/{aid}", api.commissioner(world.pct_a1))
        [outcome] = read["outcomes"]
        assert (outcome["actual"], outcome["target"], outcome["behind_percent"]) == (
            "80", "70", 14.29)
        await api.submit(aid, world.pct_a1, YEAR_1, 3)
        scored = await api.panel(aid, world.sha_a, YEAR_1, 3)
        levels = {c["code"]: (c["panel_level"], c["capped_level"]) for c in scored["competencies"]}
        assert (levels["5"], levels["6"], levels["4"]) == ((3, 2), (3, 2), (3, 3))
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        entry = next(e for e in history if e["actor"].startswith("integrator:"))
        assert (entry["action"], entry["actor"], entry["actor_organisation"]) == (
            "set_outcomes", "integrator:nhs-information-centre", None)
        assert entry["details"]["actual"] == [None, "80"]
        assert entry["reason"] == "circulatory_deaths reported by nhs-information-centre on " \
                                  "2009-01-15"

    async def test_a_redelivered_event_is_applied_once(
        self, api: Api, world: World, consumer: Consumer, assurance: ServiceHarness,
    ) -> None:
        _cycle, aid = await chosen(api, world)
        envelope = envelope_of(report(world.pct_a1))
        assert await consumer.handle(record_of(envelope)) == Outcome.APPLIED
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        assert await consumer.handle(record_of(envelope, offset=1)) == Outcome.DUPLICATE
        assert await api.call("GET", f"/assessments/{aid}/history", api.doh()) == history
        assert await count(assurance.session, inbox) == 1

    async def test_the_same_figure_sent_again_changes_nothing(
        self, api: Api, world: World, consumer: Consumer,
    ) -> None:
        _cycle, aid = await chosen(api, world)
        await consumer.handle(record_of(envelope_of(report(world.pct_a1, "80"))))
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        resent = envelope_of(report(world.pct_a1, "80.000"))
        assert await consumer.handle(record_of(resent, offset=1)) == Outcome.APPLIED
        assert await api.call("GET", f"/assessments/{aid}/history", api.doh()) == history

    async def test_a_corrected_figure_replaces_the_earlier_one(
        self, api: Api, world: World, consumer: Consumer,
    ) -> None:
        _cycle, aid = await chosen(api, world, actual="80")
        await consumer.handle(record_of(envelope_of(report(world.pct_a1, "71.5"))))
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert (read["outcomes"][0]["actual"], read["outcomes"][0]["behind_percent"]) == (
            "71.5", 2.14)

    async def test_after_panel_scoring_it_voids_the_review_like_an_edit(
        self, api: Api, world: World, consumer: Consumer,
    ) -> None:
        _cycle, aid = await chosen(api, world)
        await api.submit(aid, world.pct_a1, YEAR_1, 3)
        await api.panel(aid, world.sha_a, YEAR_1, 3)
        await consumer.handle(record_of(envelope_of(report(world.pct_a1))))
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert read["status"] == "panel"
        assert {sub["panel_level"] for sub in read["sub_competencies"]} == {None}
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        assert [e["action"] for e in history[-2:]] == ["set_outcomes", "void_review"]
        assert history[-1]["reason"] == ("review voided: circulatory_deaths reported after "
                                         "panel scoring")


class TestRejectedReports:
    """What cannot apply raises, so the consumer retries it and then dead-letters it."""

    @pytest.mark.parametrize(("changes", "reason"), [
        ({"metric": "happiness_index"}, "unknown outcome metric 'happiness_index' in wcc-2008-09"),
        ({"metric": "teenage_pregnancy"}, "has not chosen teenage_pregnancy in 2008/09"),
        ({"pct_id": "org-sha-a"}, "org-sha-a is not a PCT in the organisation directory"),
        ({"pct_id": "org-unknown"}, "org-unknown is not a PCT in the organisation directory"),
        ({"cycle_year": "2009/10"}, "no 2009/10 cycle is open"),
    ], ids=["unknown-metric", "metric-not-chosen", "not-a-pct", "unknown-pct", "no-cycle"])
    async def test_refused_with_the_reason_and_nothing_written(
        self, api: Api, world: World, assurance: ServiceHarness, changes: dict[str, Any],
        reason: str,
    ) -> None:
        _cycle, aid = await chosen(api, world)
        await self.assert_refused(api, assurance, aid, report(world.pct_a1, **changes), reason)

    async def test_a_pct_without_an_assessment_in_that_cycle(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        _cycle, aid = await chosen(api, world)
        await add_org(assurance.session, "org-pct-new", "PNW", "PCT", world.sha_a,
                      valid_from=date(2009, 4, 1))
        await self.assert_refused(api, assurance, aid, report("org-pct-new"),
                                  "PCT org-pct-new has no assessment in the 2008/09 cycle")

    async def test_a_published_assessment(self, api: Api, world: World,
                                          assurance: ServiceHarness) -> None:
        cycle, _aid = await chosen(api, world)
        aid = await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        await self.assert_refused(api, assurance, aid, report(world.pct_a1),
                                  "2008/09 assessment is published; a published result is final")

    async def test_a_trajectory_without_a_target_for_the_year(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        # A trajectory from a 2008/09 baseline has targets from 2009/10 on: none for 2008/09.
        _cycle, aid = await chosen(api, world, baseline_year="2008/09")
        await self.assert_refused(api, assurance, aid, report(world.pct_a1),
                                  "has no target for 2008/09")

    async def test_year_2_checks_against_its_own_framework(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        await api.open_cycle(YEAR_1)
        _cycle, aid = await chosen(api, world, YEAR_2, baseline_year="2008/09")
        payload = report(world.pct_a1, cycle_year=YEAR_2, metric="happiness_index")
        await self.assert_refused(api, assurance, aid, payload, "in wcc-2009-10")

    @staticmethod
    async def assert_refused(api: Api, assurance: ServiceHarness, aid: str,
                             payload: OutcomeReported, reason: str) -> None:
        before = await api.call("GET", f"/assessments/{aid}", api.doh())
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        envelope = envelope_of(payload)
        with pytest.raises(OutcomeReportRejected, match=re.escape(reason)):
            async with assurance.app.state.sessionmaker() as session, session.begin():
                await HANDLERS[TYPE](session, envelope, payload)
        after = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert (after["outcomes"], after["status"]) == (before["outcomes"], before["status"])
        assert await api.call("GET", f"/assessments/{aid}/history", api.doh()) == history
