"""The whole assurance workflow through the API, with its history."""

from __future__ import annotations

from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, Api, World, is_problem, peer_subject, rag, sub_levels


class TestFullWorkflow:
    async def test_draft_to_published_records_every_step(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        submitted = await api.submit(aid, world.pct_a1, YEAR_1, 3)
        assert submitted["status"] == "self_assessment_submitted"
        panel = await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a), {
            "peers": [{"subject": peer_subject(world.pct_b1), "organisation_id": world.pct_b1}]})
        assert [(m["role"], m["organisation_id"]) for m in panel["panel"]] == [
            ("lead", world.sha_a), ("peer", world.pct_b1)]
        await api.call("PATCH", f"/assessments/{aid}/panel-scores", api.peer(world.pct_b1),
                       {"sub_competencies": sub_levels(YEAR_1, 2), "governance": rag("GGA")})
        scored = await api.call("POST", f"/assessments/{aid}/panel-completion",
                                api.lead(world.sha_a), {"note": "panel day"})
        assert scored["status"] == "panel_scored"
        assert {c["level"] for c in scored["competencies"] if c["scored"]} == {2}
        regional = await api.call(
            "POST", f"/assessments/{aid}/regional-calibration", api.sha_admin(world.sha_a),
            {"competencies": [{"competency": "1", "level": 3, "reason": "moderated up"}]})
        assert regional["status"] == "regionally_calibrated"
        national = await api.call(
            "POST", f"/assessments/{aid}/national-calibration", api.doh(),
            {"governance": [{"area": "board", "rating": "GREEN", "reason": "national view"}]})
        assert national["governance"] == rag("GGG")
        published = await api.publish(aid)
        assert published["status"] == "published"
        assert published["published_on"] == "2009-03-31"
        assert published["competencies"][0]["level"] == 3
        # governance 6/6 -> 100; competencies 3 + 9 x 2 = 21 of 40 -> 52.5; overall 76.25
        assert published["league_score"] == 76.25
        assert published["allowed_transitions"] == []

        history = await api.call("GET", f"/assessments/{aid}/history", api.commissioner(
            world.pct_a1))
        steps = [(h["action"], h["from_status"], h["to_status"]) for h in history]
        assert steps == [
            ("open", None, "draft"),
            ("edit_self_assessment", "draft", "draft"),
            ("submit_self_assessment", "draft", "self_assessment_submitted"),
            ("convene_panel", "self_assessment_submitted", "panel"),
            ("score_panel", "panel", "panel"),
            ("complete_panel_scoring", "panel", "panel_scored"),
            ("calibrate_regionally", "panel_scored", "regionally_calibrated"),
            ("calibrate_nationally", "regionally_calibrated", "nationally_calibrated"),
            ("publish", "nationally_calibrated", "published"),
        ]
        assert history[4]["actor"] == peer_subject(world.pct_b1)
        assert history[5]["reason"] == "panel day"
        assert history[6]["details"]["adjustments"] == [
            {"kind": "competency", "code": "1", "from": "2", "to": "3",
             "reason": "moderated up"}]

    async def test_flags_where_self_and_panel_differ(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await api.submit(aid, world.pct_a1, YEAR_1, 3)
        scored = await api.panel(aid, world.sha_a, YEAR_1, [3, 3, 3, 3, 2, 2, 3, 3, 3, 3])
        flagged = {f["code"]: f["direction"] for f in scored["flags"]}
        assert flagged == {"5.1": "panel_below_self", "5.2": "panel_below_self",
                           "5.3": "panel_below_self", "6.1": "panel_below_self",
                           "6.2": "panel_below_self", "6.3": "panel_below_self",
                           "5": "panel_below_self", "6": "panel_below_self"}


class TestIllegalTransitions:
    async def test_a_step_out_of_order_is_409_naming_state_and_allowed(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        response = await assurance.client.post(f"/assessments/{aid}/publication",
                                               headers=api.doh())
        body = is_problem(response, 409)
        assert body["current_state"] == "draft"
        assert body["allowed_transitions"] == [
            {"action": "submit_self_assessment", "to": "self_assessment_submitted"}]
        assert "draft" in body["detail"]

    async def test_cannot_submit_twice_or_convene_a_draft(self, api: Api, world: World,
                                                          assurance: ServiceHarness) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        early = await assurance.client.post(f"/assessments/{aid}/panel", json={},
                                            headers=api.lead(world.sha_a))
        assert is_problem(early, 409)["current_state"] == "draft"
        await api.submit(aid, world.pct_a1, YEAR_1, 2)
        again = await assurance.client.post(f"/assessments/{aid}/submission",
                                            headers=api.commissioner(world.pct_a1))
        assert is_problem(again, 409)["allowed_transitions"] == [
            {"action": "convene_panel", "to": "panel"}]

    async def test_a_published_assessment_cannot_be_edited(self, api: Api, world: World,
                                                           assurance: ServiceHarness) -> None:
        cycle = await api.open_cycle()
        aid = await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        response = await assurance.client.patch(
            f"/assessments/{aid}/self-assessment", json={"sub_competencies": {"1.1": 4}},
            headers=api.commissioner(world.pct_a1))
        body = is_problem(response, 409)
        assert (body["current_state"], body["allowed_transitions"]) == ("published", [])

    async def test_incomplete_self_assessment_cannot_be_submitted(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await api.call("PATCH", f"/assessments/{aid}/self-assessment",
                       api.commissioner(world.pct_a1), {"sub_competencies": {"1.1": 2}})
        response = await assurance.client.post(f"/assessments/{aid}/submission",
                                               headers=api.commissioner(world.pct_a1))
        body = is_problem(response, 422)
        assert len(body["errors"]) == 29  # 30 scored sub-competencies in Year 1, one rated

    async def test_the_panel_cannot_complete_until_everything_is_rated(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await api.submit(aid, world.pct_a1, YEAR_1, 2)
        await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a), {})
        await api.call("PATCH", f"/assessments/{aid}/panel-scores", api.lead(world.sha_a),
                       {"sub_competencies": sub_levels(YEAR_1, 2)})
        response = await assurance.client.post(f"/assessments/{aid}/panel-completion",
                                               headers=api.lead(world.sha_a))
        missing = [e["loc"][-1] for e in is_problem(response, 422)["errors"]]
        assert missing == ["strategy", "finance", "board"]
