"""Opening cycles: who is assessed, what is carried forward from last year."""

from __future__ import annotations

from datetime import date

from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import (
    YEAR_1,
    YEAR_2,
    Api,
    World,
    add_org,
    cycle_body,
    is_problem,
    sub_levels,
)


class TestOpenCycle:
    async def test_every_pct_active_on_the_opening_date_gets_a_draft(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        await add_org(assurance.session, "org-pct-gone", "PGN", "PCT", world.sha_a,
                      valid_to=date(2008, 3, 31))
        await add_org(assurance.session, "org-pct-new", "PNW", "PCT", world.sha_b,
                      valid_from=date(2010, 4, 1))
        cycle = await api.open_cycle()
        assert (cycle["year"], cycle["code"]) == (YEAR_1, "2008-09")
        assert cycle["framework_version"] == "wcc-2008-09"
        assert cycle["autonomy_rules_version"] == "autonomy-rules-2008-09"
        assert cycle["assessments"] == {"draft": 3}
        page = await api.call("GET", f"/assessments?cycle_id={cycle['id']}", api.doh())
        assert {(a["pct_id"], a["sha_id"], a["status"]) for a in page["items"]} == {
            (world.pct_a1, world.sha_a, "draft"), (world.pct_a2, world.sha_a, "draft"),
            (world.pct_b1, world.sha_b, "draft")}
        assert {a["framework_version"] for a in page["items"]} == {"wcc-2008-09"}

    async def test_only_doh_administrators_open_cycles(self, api: Api, world: World,
                                                        assurance: ServiceHarness) -> None:
        for who in (api.sha_admin(world.sha_a), api.commissioner(world.pct_a1),
                    api.as_(world.nhscb, "NHSCB", "nhscb_admin")):
            response = await assurance.client.post("/cycles", json=cycle_body(), headers=who)
            is_problem(response, 403)
        is_problem(await assurance.client.post("/cycles", json=cycle_body()), 401)

    async def test_a_year_opens_once(self, api: Api, world: World,
                                     assurance: ServiceHarness) -> None:
        await api.open_cycle()
        response = await assurance.client.post("/cycles", json=cycle_body(), headers=api.doh())
        assert "already open" in is_problem(response, 409)["detail"]

    async def test_an_empty_directory_is_explained(self, api: Api,
                                                   assurance: ServiceHarness) -> None:
        response = await assurance.client.post("/cycles", json=cycle_body(), headers=api.doh())
        assert "holds no PCT active" in is_problem(response, 422)["detail"]

    async def test_support_target_is_the_cycles_choice(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle(support_target_level=2)
        read = await api.call("GET", f"/cycles/{cycle['id']}", api.commissioner(world.pct_a1))
        assert read["support_target_level"] == 2
        listing = await api.call("GET", "/cycles", api.commissioner(world.pct_a1))
        assert [c["year"] for c in listing["items"]] == [YEAR_1]


class TestCarriedForward:
    async def test_last_years_self_assessment_is_this_years_draft(
        self, api: Api, world: World,
    ) -> None:
        year1 = await api.open_cycle()
        first = await api.through(year1["id"], world.pct_a1, world.sha_a, YEAR_1, 2,
                                  self_levels=3)
        year2 = await api.open_cycle(YEAR_2)
        aid = await api.assessment_id(year2["id"], world.pct_a1)
        draft = await api.call("GET", f"/assessments/{aid}", api.commissioner(world.pct_a1))
        assert draft["status"] == "draft"
        assert draft["previous_assessment_id"] == first
        carried = {s["code"]: (s["self_level"], s["panel_level"])
                   for s in draft["sub_competencies"]}
        assert carried["1.1"] == (3, None)  # self carried; the panel's never
        assert carried["11.1"] == (None, None)  # not scored in Year 1
        assert len(carried) == 33

    async def test_changes_since_last_year(self, api: Api, world: World) -> None:
        year1 = await api.open_cycle()
        await api.through(year1["id"], world.pct_a1, world.sha_a, YEAR_1, 2, self_levels=3)
        year2 = await api.open_cycle(YEAR_2)
        aid = await api.assessment_id(year2["id"], world.pct_a1)
        await api.call("PATCH", f"/assessments/{aid}/self-assessment",
                       api.commissioner(world.pct_a1),
                       {"sub_competencies": {"7.1": 4, "7.2": 4, "7.3": 4, "11.1": 2}})
        changes = await api.call("GET", f"/assessments/{aid}/changes-since-last-year",
                                 api.commissioner(world.pct_a1))
        assert changes["previous_cycle_year"] == YEAR_1
        subs = {s["code"]: s for s in changes["sub_competencies"]}
        assert subs["7.1"] == {"code": "7.1", "previous_self_level": 3,
                               "previous_panel_level": 2, "self_level": 4, "changed": True}
        assert subs["1.1"]["changed"] is False
        assert subs["11.1"]["previous_self_level"] is None and subs["11.1"]["changed"]
        competency = {c["code"]: c for c in changes["competencies"]}
        assert (competency["7"]["previous_level"], competency["7"]["self_level"],
                competency["7"]["change"]) == (2, 4, 2)
        assert competency["1"]["change"] == 1  # self 3 against published 2

    async def test_a_first_cycle_has_nothing_to_compare(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        changes = await api.call("GET", f"/assessments/{aid}/changes-since-last-year",
                                 api.doh())
        assert changes["previous_assessment_id"] is None
        assert {c["previous_level"] for c in changes["competencies"]} == {None}
        assert len(sub_levels(YEAR_1, 1)) == len(changes["sub_competencies"])


class TestFrameworks:
    async def test_versions_and_one_framework(self, api: Api, world: World) -> None:
        who = api.commissioner(world.pct_a1)
        versions = await api.call("GET", "/frameworks", who)
        assert [v["version_id"] for v in versions] == ["wcc-2008-09", "wcc-2009-10"]
        assert len(versions[0]["scored_competencies"]) == 10
        framework = await api.call("GET", "/frameworks/wcc-2009-10", who)
        assert framework["competencies"][10]["scored"] is True
        assert framework["scoring"]["strategy"] == "floor_of_mean_unless_level_1"
        await api.call("GET", "/frameworks/wcc-1999-00", who, expect=404)
