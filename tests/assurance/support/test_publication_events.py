"""Publication writes its events to the outbox in the same transaction."""

from __future__ import annotations

from services.assurance.autonomy.models import AutonomyDecision
from services.assurance.support.models import SupportNeed
from shared.events.contracts import CONTRACTS
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, Api, World, count, outbox_events

RATED = "assurance.assessment.rated.v1"
GRANTED = "assurance.autonomy.granted.v1"
NEED = "assurance.support_need.identified.v1"


class TestPublicationEvents:
    async def test_rated_granted_and_support_needs_in_the_outbox(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        # competencies 1-10 at 3,3,3,3,2,2,1,3,3,3: 5 and 6 (assessment and planning) and 7
        aid = await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1,
                                [3, 3, 3, 3, 2, 2, 1, 3, 3, 3], "GAG",
                                self_levels=[3, 3, 3, 3, 3, 2, 1, 3, 3, 3])
        assert await outbox_events(assurance.session) != []
        [rated] = await outbox_events(assurance.session, RATED)
        assert rated["subject"] == aid
        assert rated["source"] == "/services/assurance"
        data = rated["data"]
        assert data["competency_levels"] == {"1": 3, "2": 3, "3": 3, "4": 3, "5": 2, "6": 2,
                                             "7": 1, "8": 3, "9": 3, "10": 3, "11": None}
        assert data["governance"] == {"strategy": "GREEN", "finance": "AMBER", "board": "GREEN"}
        # (5/6 x 100 + 26/40 x 100) / 2 = (83.333 + 65) / 2 = 74.17
        assert (data["league_score"], data["published_on"]) == (74.17, "2009-03-31")
        assert (data["cycle_year"], data["framework_version"]) == (YEAR_1, "wcc-2008-09")
        [granted] = await outbox_events(assurance.session, GRANTED)
        assert granted["data"]["tier"] == "in_difficulty"  # competency 7 at level 1
        assert granted["subject"] == world.pct_a1
        needs = {e["data"]["competency"]: e["data"]
                 for e in await outbox_events(assurance.session, NEED)}
        assert set(needs) == {"5", "6", "7"}
        assert needs["5"]["support_form"] == "assurance_presentation_advice"  # self said 3
        assert needs["5"]["evidence_gap"] is True
        assert (needs["6"]["support_form"], needs["6"]["package_type"]) == (
            "analytical_tools", "macro")  # two gaps in assessment and planning
        assert (needs["7"]["grouping"], needs["7"]["package_type"]) == (
            "contracting_and_procurement", "micro")
        for event in await outbox_events(assurance.session):
            CONTRACTS[event["type"]].model.model_validate(event["data"])
        assert await count(assurance.session, AutonomyDecision) == 1
        assert await count(assurance.session, SupportNeed) == 3
        listed = await api.call("GET", f"/support-needs?assessment_id={aid}",
                                api.commissioner(world.pct_a1))
        assert [n["competency"] for n in listed["items"]] == ["5", "6", "7"]

    async def test_nothing_is_emitted_before_publication(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2, publish=False)
        assert await outbox_events(assurance.session) == []

    async def test_publishing_a_cycle_publishes_every_calibrated_assessment(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        for pct, sha in ((world.pct_a1, world.sha_a), (world.pct_b1, world.sha_b)):
            await api.through(cycle["id"], pct, sha, YEAR_1, 2, publish=False)
        result = await api.call("POST", f"/cycles/{cycle['id']}/publication", api.doh())
        assert result == {"cycle_id": cycle["id"], "published": 2,
                          "not_ready": {"draft": 1}}
        assert len(await outbox_events(assurance.session, RATED)) == 2
        again = await api.call("POST", f"/cycles/{cycle['id']}/publication", api.doh())
        assert again["published"] == 0
        assert len(await outbox_events(assurance.session, RATED)) == 2

    async def test_support_target_comes_from_the_cycle(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle(support_target_level=2)
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1,
                          [2, 2, 2, 2, 2, 2, 1, 2, 2, 2])
        needs = await outbox_events(assurance.session, NEED)
        assert [(n["data"]["competency"], n["data"]["target_level"]) for n in needs] == [
            ("7", 2)]


class TestMetricCaps:
    async def test_an_outcome_far_behind_trajectory_caps_the_competency(
        self, api: Api, world: World,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        # teenage pregnancy (lower is better, linked to 2 and 3; not capping) and circulatory
        # deaths (linked to 5 and 6): 80 against a target of 70 is 14.3% behind (> 10%)
        outcomes = [{"metric": "circulatory_deaths", "baseline_year": "2007/08",
                     "baseline": "75", "targets": ["70", "66", "62", "58", "55"],
                     "actual": "80"}]
        read = await api.call("PUT", f"/assessments/{aid}/outcomes",
                              api.commissioner(world.pct_a1), {"outcomes": outcomes})
        assert read["outcomes"][0]["target"] == "70"
        assert read["outcomes"][0]["behind_percent"] == 14.29
        await api.submit(aid, world.pct_a1, YEAR_1, 3)
        scored = await api.panel(aid, world.sha_a, YEAR_1, 3)
        competencies = {c["code"]: c for c in scored["competencies"]}
        assert (competencies["5"]["panel_level"], competencies["5"]["capped_level"]) == (3, 2)
        assert competencies["6"]["level"] == 2 and competencies["4"]["level"] == 3
        assert {(c["competency"], c["metric"], c["lowered"]) for c in scored["caps"]} == {
            ("5", "circulatory_deaths", True), ("6", "circulatory_deaths", True)}
