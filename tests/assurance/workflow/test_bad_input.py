"""Bad input is 422 problem+json and writes nothing: no row, no history, no event."""

from __future__ import annotations

from typing import Any

import pytest

from services.assurance.assessment.models import AssessmentChange, GovernanceRating
from services.assurance.cycle.models import Cycle
from services.assurance.database import outbox
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, World, count, cycle_body, is_problem


async def _writes(session: Any) -> tuple[int, int, int, int]:
    return (await count(session, Cycle.__table__), await count(session, AssessmentChange),
            await count(session, GovernanceRating), await count(session, outbox.table))


class TestCycleInput:
    @pytest.mark.parametrize("change", [
        {"surprise": True},
        {"year": "2009/11"},
        {"year": 2009},
        {"opens_on": "not a date"},
        {"publication_on": "2008-01-01"},
        {"support_target_level": 5},
        {"framework_version": "../etc/passwd"},
    ])
    async def test_refused_and_nothing_written(self, api: Api, world: World,
                                               assurance: ServiceHarness,
                                               change: dict[str, Any]) -> None:
        response = await assurance.client.post("/cycles", json={**cycle_body(), **change},
                                               headers=api.doh())
        assert is_problem(response, 422)["type"].endswith("validation-error")
        assert await _writes(assurance.session) == (0, 0, 0, 0)

    async def test_a_framework_that_does_not_match_its_autonomy_rules(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        body = cycle_body(YEAR_2, framework_version="wcc-2008-09")
        response = await assurance.client.post("/cycles", json=body, headers=api.doh())
        assert "applies to wcc-2009-10" in is_problem(response, 422)["detail"]
        assert await _writes(assurance.session) == (0, 0, 0, 0)

    async def test_no_reference_data_for_the_year(self, api: Api, world: World,
                                                  assurance: ServiceHarness) -> None:
        response = await assurance.client.post("/cycles", json=cycle_body("2011/12"),
                                               headers=api.doh())
        assert "no reference data" in is_problem(response, 422)["detail"]


class TestAssessmentInput:
    @pytest.fixture
    async def aid(self, api: Api, world: World) -> str:
        cycle = await api.open_cycle()
        return await api.assessment_id(cycle["id"], world.pct_a1)

    @pytest.mark.parametrize(("body", "where"), [
        ({"sub_competencies": {"1.1": 5}}, ["body", "sub_competencies", "1.1"]),
        ({"sub_competencies": {"1.1": 0}}, ["body", "sub_competencies", "1.1"]),
        ({"sub_competencies": {"1.1": "three"}}, ["body", "sub_competencies", "1.1"]),
        ({"sub_competencies": {"1.1": 2}, "extra": 1}, ["body", "extra"]),
        ({"sub_competencies": {"one": 2}}, ["body", "sub_competencies", "one", "[key]"]),
        ({"sub_competencies": {"12.1": 2}}, ["body", "sub_competencies", "12.1"]),
        ({"sub_competencies": {"11.1": 2}}, ["body", "sub_competencies", "11.1"]),
        ({"sub_competencies": {}}, ["body", "sub_competencies"]),
    ])
    async def test_self_assessment_refused_and_nothing_written(
        self, api: Api, assurance: ServiceHarness, aid: str, world: World,
        body: dict[str, Any], where: list[str],
    ) -> None:
        before = await _writes(assurance.session)
        response = await assurance.client.patch(f"/assessments/{aid}/self-assessment",
                                                json=body, headers=api.commissioner(world.pct_a1))
        problem = is_problem(response, 422)
        assert where in [error["loc"] for error in problem["errors"]]
        assert await _writes(assurance.session) == before
        current = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert {s["self_level"] for s in current["sub_competencies"]} == {None}

    async def test_panel_scores_out_of_range_or_unknown_write_nothing(
        self, api: Api, assurance: ServiceHarness, aid: str, world: World,
    ) -> None:
        await api.submit(aid, world.pct_a1, YEAR_1, 2)
        await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a), {})
        before = await _writes(assurance.session)
        for body in ({"sub_competencies": {"1.1": 2, "99.1": 2}},
                     {"governance": {"board": "PURPLE"}},
                     {"governance": {"estates": "GREEN"}},
                     {"sub_competencies": {"1.1": 2}, "governance": {"board": "GREEN"},
                      "by": "me"}):
            response = await assurance.client.patch(f"/assessments/{aid}/panel-scores",
                                                    json=body, headers=api.lead(world.sha_a))
            is_problem(response, 422)
        assert await _writes(assurance.session) == before

    async def test_calibration_needs_a_reason_and_a_scored_competency(
        self, api: Api, assurance: ServiceHarness, aid: str, world: World,
    ) -> None:
        await api.submit(aid, world.pct_a1, YEAR_1, 2)
        await api.panel(aid, world.sha_a, YEAR_1, 2)
        before = await _writes(assurance.session)
        url = f"/assessments/{aid}/regional-calibration"
        for body in ({"competencies": [{"competency": "1", "level": 3}]},
                     {"competencies": [{"competency": "11", "level": 3, "reason": "why not"}]},
                     {"competencies": [{"competency": "1", "level": 3, "reason": "one"},
                                       {"competency": "1", "level": 2, "reason": "two"}]}):
            response = await assurance.client.post(url, json=body,
                                                   headers=api.sha_admin(world.sha_a))
            is_problem(response, 422)
        assert await _writes(assurance.session) == before
        current = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert (current["status"], current["adjustments"]) == ("panel_scored", [])

    async def test_outcomes_unknown_metric_or_wrong_trajectory(
        self, api: Api, assurance: ServiceHarness, aid: str, world: World,
    ) -> None:
        before = await _writes(assurance.session)
        entry = {"metric": "teenage_pregnancy", "baseline_year": "2007/08", "baseline": "45",
                 "targets": ["44", "43", "42", "41", "40"], "actual": "44"}
        for outcomes in ([{**entry, "metric": "happiness"}],
                         [{**entry, "targets": ["44", "43"]}],
                         [{**entry, "baseline_year": "2000/01"}],
                         [{**entry, "actual": "NaN"}],
                         [entry, entry]):
            response = await assurance.client.put(
                f"/assessments/{aid}/outcomes", json={"outcomes": outcomes},
                headers=api.commissioner(world.pct_a1))
            is_problem(response, 422)
        assert await _writes(assurance.session) == before
