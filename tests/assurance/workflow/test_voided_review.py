"""An edit after review voids the review (ADR 0005)."""

from __future__ import annotations

import base64

from tests.assurance.helpers import YEAR_1, Api, World


async def _scored(api: Api, world: World) -> str:
    cycle = await api.open_cycle()
    aid = await api.assessment_id(cycle["id"], world.pct_a1)
    await api.submit(aid, world.pct_a1, YEAR_1, 3)
    await api.panel(aid, world.sha_a, YEAR_1, 2, "GAG")
    return aid


class TestVoidedReview:
    async def test_a_self_assessment_edit_after_panel_scoring_returns_to_panel(
        self, api: Api, world: World,
    ) -> None:
        aid = await _scored(api, world)
        edited = await api.call("PATCH", f"/assessments/{aid}/self-assessment",
                                api.commissioner(world.pct_a1),
                                {"sub_competencies": {"5.1": 4}, "note": "new JSNA"})
        assert edited["status"] == "panel"
        assert all(s["panel_level"] is None for s in edited["sub_competencies"])
        assert edited["governance"] == {} and edited["panel_governance"] == {}
        assert edited["sub_competencies"][12]["self_level"] == 4  # 5.1
        assert edited["panel"][0]["role"] == "lead"  # the panel stays convened
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        edit, void = history[-2:]
        assert (edit["action"], edit["reason"]) == ("edit_self_assessment", "new JSNA")
        assert (void["action"], void["from_status"], void["to_status"]) == (
            "void_review", "panel_scored", "panel")
        assert void["reason"] == "review voided: self-assessment edited after panel scoring"
        assert void["details"]["cleared_panel_levels"]["5.1"] == 2
        assert void["details"]["cleared_governance"] == {
            "strategy": "GREEN", "finance": "AMBER", "board": "GREEN"}

    async def test_calibrations_are_voided_too_and_the_panel_rescores(
        self, api: Api, world: World,
    ) -> None:
        aid = await _scored(api, world)
        await api.calibrate(aid, world.sha_a, regional={"competencies": [
            {"competency": "7", "level": 1, "reason": "market work not evidenced"}]})
        evidence = {"sub_competency": "7.1", "title": "Market position statement",
                    "media_type": "text/plain",
                    "content_base64": base64.b64encode(b"providers mapped").decode()}
        await api.call("POST", f"/assessments/{aid}/evidence", api.commissioner(world.pct_a1),
                       evidence, expect=201)
        current = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert current["status"] == "panel"
        assert [a["voided"] for a in current["adjustments"]] == [True]
        assert current["competencies"][6]["level"] is None  # nothing scored, no calibration
        await api.call("PATCH", f"/assessments/{aid}/panel-scores", api.lead(world.sha_a),
                       {"sub_competencies": {code: 3 for code in _all(current)},
                        "governance": {"strategy": "GREEN", "finance": "GREEN",
                                       "board": "GREEN"}})
        again = await api.call("POST", f"/assessments/{aid}/panel-completion",
                               api.lead(world.sha_a))
        assert again["status"] == "panel_scored"
        assert {c["level"] for c in again["competencies"] if c["scored"]} == {3}

    async def test_an_edit_before_the_panel_scores_voids_nothing(
        self, api: Api, world: World,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await api.submit(aid, world.pct_a1, YEAR_1, 3)
        edited = await api.call("PATCH", f"/assessments/{aid}/self-assessment",
                                api.commissioner(world.pct_a1), {"sub_competencies": {"1.1": 4}})
        assert edited["status"] == "self_assessment_submitted"
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        assert "void_review" not in [entry["action"] for entry in history]


def _all(assessment: dict[str, object]) -> list[str]:
    subs = assessment["sub_competencies"]
    assert isinstance(subs, list)
    return [sub["code"] for sub in subs]
