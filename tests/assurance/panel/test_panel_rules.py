"""The panel: SHA-led, peers from other PCTs, and nobody scores their own organisation."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, Api, World, is_problem, lead_subject, peer_subject

OWN_ASSESSOR = "user:a1-assessor"  # an assessor who works for the assessed PCT, A1


async def submitted(api: Api, world: World) -> str:
    """PCT A1's assessment, self-assessed and submitted to SHA A."""
    cycle = await api.open_cycle()
    aid = await api.assessment_id(cycle["id"], world.pct_a1)
    await api.submit(aid, world.pct_a1, YEAR_1, 2)
    return aid


def seat(subject: str, organisation: str) -> dict[str, str]:
    return {"subject": subject, "organisation_id": organisation}


class TestConveningRefusesBadPeers:
    @pytest.mark.parametrize(("peers", "index", "message"), [
        (lambda w: [seat(peer_subject(w.pct_a2), w.pct_a2), seat(OWN_ASSESSOR, w.pct_a1)], 1,
         "a peer may not come from the assessed PCT"),
        (lambda w: [seat("user:sha-b-assessor", w.sha_b)], 0,
         "peers come from other PCTs; this is not a PCT in the directory"),
        (lambda w: [seat("user:somebody", "org-not-in-the-directory")], 0,
         "peers come from other PCTs; this is not a PCT in the directory"),
        (lambda w: [seat("user:nhscb-analyst", w.nhscb)], 0,
         "peers come from other PCTs; this is not a PCT in the directory"),
    ], ids=["from-the-assessed-pct", "an-sha", "unknown-organisation", "nhs-cb"])
    async def test_a_peer_who_is_not_from_another_pct(
        self, api: Api, world: World, assurance: ServiceHarness, peers: Any, index: int,
        message: str,
    ) -> None:
        aid = await submitted(api, world)
        response = await assurance.client.post(
            f"/assessments/{aid}/panel", headers=api.lead(world.sha_a),
            json={"peers": peers(world)})
        problem = is_problem(response, 422)
        assert problem["errors"] == [{"loc": ["body", "peers", index], "msg": message}]
        await self.assert_not_convened(api, aid)

    async def test_a_peer_listed_twice(self, api: Api, world: World,
                                       assurance: ServiceHarness) -> None:
        aid = await submitted(api, world)
        twice = seat(peer_subject(world.pct_a2), world.pct_a2)
        response = await assurance.client.post(
            f"/assessments/{aid}/panel", headers=api.lead(world.sha_a),
            json={"peers": [twice, seat(peer_subject(world.pct_b1), world.pct_b1), twice]})
        problem = is_problem(response, 422)
        assert problem["errors"] == [
            {"loc": ["body", "peers", 0], "msg": "each panel member sits once"},
            {"loc": ["body", "peers", 2], "msg": "each panel member sits once"}]
        await self.assert_not_convened(api, aid)

    async def test_the_lead_listed_again_as_a_peer(self, api: Api, world: World,
                                                   assurance: ServiceHarness) -> None:
        aid = await submitted(api, world)
        lead = api.lead(world.sha_a)
        response = await assurance.client.post(
            f"/assessments/{aid}/panel", headers=lead,
            json={"peers": [seat(lead_subject(world.sha_a), world.pct_a2)]})
        assert is_problem(response, 422)["errors"][0]["msg"] == "each panel member sits once"
        await self.assert_not_convened(api, aid)

    @staticmethod
    async def assert_not_convened(api: Api, aid: str) -> None:
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert (read["status"], read["panel"]) == ("self_assessment_submitted", [])


class TestNobodyScoresTheirOwnOrganisation:
    async def test_refused_even_when_seated_under_another_pcts_name(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        # Assurance has no user directory: convening cannot tell that this subject works for
        # A1 when the lead types A2. The token can, when they try to score.
        aid = await submitted(api, world)
        await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a),
                       {"peers": [seat(OWN_ASSESSOR, world.pct_a2)]})
        own = api.as_(world.pct_a1, "PCT", "sha_assessor", subject=OWN_ASSESSOR)
        response = await assurance.client.patch(
            f"/assessments/{aid}/panel-scores", headers=own,
            json={"sub_competencies": {"1.1": 4}, "governance": {"board": "GREEN"}})
        assert is_problem(response, 403)["detail"] == "nobody scores their own organisation"
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert read["sub_competencies"][0]["panel_level"] is None
        assert read["governance"] == {}

    async def test_a_seat_counts_only_for_the_organisation_it_names(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        aid = await submitted(api, world)
        await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a),
                       {"peers": [seat(peer_subject(world.pct_a2), world.pct_a2)]})
        elsewhere = api.as_(world.pct_b1, "PCT", "sha_assessor",
                            subject=peer_subject(world.pct_a2))
        response = await assurance.client.patch(
            f"/assessments/{aid}/panel-scores", headers=elsewhere,
            json={"sub_competencies": {"1.1": 3}})
        # B1 may not even see A1's assessment: the seat is A2's, not this token's.
        is_problem(response, 404)

    async def test_a_peer_from_another_pct_scores(self, api: Api, world: World) -> None:
        aid = await submitted(api, world)
        await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a),
                       {"peers": [seat(peer_subject(world.pct_a2), world.pct_a2)]})
        read = await api.call("PATCH", f"/assessments/{aid}/panel-scores",
                              api.peer(world.pct_a2), {"sub_competencies": {"1.1": 3}})
        first = read["sub_competencies"][0]
        assert (first["code"], first["panel_level"]) == ("1.1", 3)
        assert {(m["subject"], m["organisation_id"], m["role"]) for m in read["panel"]} == {
            (lead_subject(world.sha_a), world.sha_a, "lead"),
            (peer_subject(world.pct_a2), world.pct_a2, "peer")}
