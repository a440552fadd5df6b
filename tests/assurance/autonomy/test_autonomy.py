"""Earned autonomy through the API: tier boundaries, reasons, validity, revocation, oversight."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, World, is_problem, outbox_events

GRANTED, REVOKED = "assurance.autonomy.granted.v1", "assurance.autonomy.revoked.v1"


async def decision_for(api: Api, cycle_id: str, pct: str) -> dict[str, Any]:
    page = await api.call("GET", f"/autonomy-decisions?cycle_id={cycle_id}&pct_id={pct}",
                          api.doh())
    assert page["total"] >= 1
    return dict(page["items"][0])


class TestTiers:
    @pytest.mark.parametrize(("levels", "governance", "recovery", "tier", "reason"), [
        ([1] + [3] * 9, "GGG", False, "in_difficulty",
         "good_standing: no scored competency below level 2 (below: 1): not met"),
        ([2] * 10, "RGG", False, "in_difficulty",
         "good_standing: no governance area red (red: strategy): not met"),
        ([2] * 10, "GGA", False, "good_standing",
         "good_standing: no governance area red (red: none): met"),
        ([3] * 5 + [2] * 5, "GGG", False, "good_standing",
         "earned_autonomy: at least 6 of 10 scored competencies at level 3 or above "
         "(found 5): not met"),
        ([3] * 6 + [2] * 4, "GGG", False, "earned_autonomy",
         "earned_autonomy: at least 6 of 10 scored competencies at level 3 or above "
         "(found 6): met"),
        ([4] * 5 + [3] * 5, "GGG", False, "earned_autonomy",
         "full_autonomy: at least 6 of 10 scored competencies at level 4 or above "
         "(found 5): not met"),
        ([4] * 6 + [3] * 4, "GGG", False, "full_autonomy",
         "full_autonomy: at least 6 of 10 scored competencies at level 4 or above "
         "(found 6): met"),
        ([4] * 6 + [3] * 4, "GGG", True, "in_difficulty",
         "good_standing: not in financial recovery: not met"),
    ])
    async def test_each_boundary(self, api: Api, world: World, levels: list[int],
                                 governance: str, recovery: bool, tier: str,
                                 reason: str) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, levels, governance,
                          recovery=recovery)
        decision = await decision_for(api, cycle["id"], world.pct_a1)
        assert decision["tier"] == tier
        assert reason in decision["reasons"]
        assert decision["valid_from"] == "2009-03-31"

    async def test_freedoms_and_validity_from_the_cycles_dates(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        year1 = await api.open_cycle()
        await api.open_cycle(YEAR_2, publication_on="2010-03-31")
        await api.through(year1["id"], world.pct_a1, world.sha_a, YEAR_1, [3] * 6 + [2] * 4)
        decision = await decision_for(api, year1["id"], world.pct_a1)
        # until the day before the next cycle's publication (not the 15-month limit)
        assert (decision["valid_from"], decision["valid_to"]) == ("2009-03-31", "2010-03-30")
        assert decision["freedoms"] == {"review_frequency_months": 6,
                                        "financial_autonomy_threshold_pence": 100_000_000,
                                        "joint_ventures_without_doh_permission": True}
        [event] = await outbox_events(assurance.session, GRANTED)
        assert event["data"]["decision_id"] == decision["id"]
        assert event["data"]["valid_to"] == "2010-03-30"

    async def test_without_a_next_cycle_at_most_fifteen_months(self, api: Api,
                                                                world: World) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        decision = await decision_for(api, cycle["id"], world.pct_a1)
        assert decision["valid_to"] == "2010-06-30"


class TestRevocation:
    @pytest.fixture
    async def earned(self, api: Api, world: World) -> dict[str, Any]:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, [3] * 6 + [2] * 4)
        return await decision_for(api, cycle["id"], world.pct_a1)

    async def test_the_pcts_sha_revokes_and_the_rules_name_the_replacement(
        self, api: Api, world: World, assurance: ServiceHarness, earned: dict[str, Any],
    ) -> None:
        body = {"reason": "financial_recovery", "effective_on": "2009-10-01",
                "note": "month 6 deficit"}
        result = await api.call("POST", f"/autonomy-decisions/{earned['id']}/revocation",
                                api.sha_admin(world.sha_a), body)
        revoked, replacement = result["revoked"], result["replacement"]
        assert (revoked["valid_to"], revoked["revoked_on"]) == ("2009-09-30", "2009-10-01")
        assert revoked["revocation_reason"] == "financial_recovery"
        assert (replacement["tier"], replacement["valid_from"], replacement["valid_to"]) == (
            "in_difficulty", "2009-10-01", "2010-06-30")
        assert replacement["replaces_id"] == earned["id"]
        assert replacement["reasons"][-1] == (
            "revoked on 2009-10-01 (financial_recovery: month 6 deficit)")
        [revoked_event] = await outbox_events(assurance.session, REVOKED)
        assert revoked_event["data"] == {
            "decision_id": earned["id"], "pct_id": world.pct_a1, "sha_id": world.sha_a,
            "reason": "financial_recovery", "note": "month 6 deficit",
            "revoked_on": "2009-10-01"}
        granted = await outbox_events(assurance.session, GRANTED)
        assert [g["data"]["tier"] for g in granted] == ["earned_autonomy", "in_difficulty"]
        assert granted[1]["data"]["replaces_decision_id"] == earned["id"]

    async def test_other_reasons_go_one_tier_down(self, api: Api, world: World,
                                                  earned: dict[str, Any]) -> None:
        result = await api.call("POST", f"/autonomy-decisions/{earned['id']}/revocation",
                                api.sha_admin(world.sha_a),
                                {"reason": "other", "effective_on": "2009-06-01"})
        assert result["replacement"]["tier"] == "good_standing"

    async def test_only_the_pcts_own_sha_administrator(
        self, api: Api, world: World, assurance: ServiceHarness, earned: dict[str, Any],
    ) -> None:
        url = f"/autonomy-decisions/{earned['id']}/revocation"
        body = {"reason": "other", "effective_on": "2009-06-01"}
        refused = {
            404: [api.sha_admin(world.sha_b)],
            403: [api.doh(), api.commissioner(world.pct_a1), api.lead(world.sha_a),
                  api.as_(world.pct_a1, "PCT", "pct_admin")],
        }
        for status, callers in refused.items():
            for who in callers:
                is_problem(await assurance.client.post(url, json=body, headers=who), status)
        assert await outbox_events(assurance.session, REVOKED) == []

    async def test_twice_outside_the_period_or_with_nothing_to_take_is_409(
        self, api: Api, world: World, assurance: ServiceHarness, earned: dict[str, Any],
    ) -> None:
        url = f"/autonomy-decisions/{earned['id']}/revocation"
        who = api.sha_admin(world.sha_a)
        early = {"reason": "other", "effective_on": "2009-03-31"}
        is_problem(await assurance.client.post(url, json=early, headers=who), 409)
        late = {"reason": "other", "effective_on": "2011-01-01"}
        is_problem(await assurance.client.post(url, json=late, headers=who), 409)
        first = await api.call("POST", url, who, {"reason": "red_governance",
                                                  "effective_on": "2009-06-01"})
        again = await assurance.client.post(url, json=early, headers=who)
        assert is_problem(again, 409)["current_state"] == "revoked"
        lowest = f"/autonomy-decisions/{first['replacement']['id']}/revocation"
        nothing = await assurance.client.post(
            lowest, json={"reason": "missed_trajectory", "effective_on": "2009-07-01"},
            headers=who)
        assert "nothing to take away" in is_problem(nothing, 409)["detail"]

    async def test_bad_reason_is_422(self, api: Api, world: World,
                                     assurance: ServiceHarness, earned: dict[str, Any]) -> None:
        response = await assurance.client.post(
            f"/autonomy-decisions/{earned['id']}/revocation",
            json={"reason": "bad_mood", "effective_on": "2009-06-01"},
            headers=api.sha_admin(world.sha_a))
        is_problem(response, 422)


class TestOversight:
    async def test_next_review_of_each_pct_follows_its_tier(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, [3] * 6 + [2] * 4)
        await api.through(cycle["id"], world.pct_a2, world.sha_a, YEAR_1, 2, "GAG")
        await api.through(cycle["id"], world.pct_b1, world.sha_b, YEAR_1, 1)
        url = f"/shas/{world.sha_a}/oversight-schedule?from=2009-04-01"
        schedule = await api.call("GET", url, api.sha_admin(world.sha_a))
        assert [(r["pct_id"], r["tier"], r["review_on"], r["frequency_months"])
                for r in schedule["reviews"]] == [
            (world.pct_a2, "good_standing", "2009-06-30", 3),
            (world.pct_a1, "earned_autonomy", "2009-09-30", 6)]
        decision = await decision_for(api, cycle["id"], world.pct_a1)
        await api.call("POST", f"/autonomy-decisions/{decision['id']}/revocation",
                       api.sha_admin(world.sha_a),
                       {"reason": "red_governance", "effective_on": "2009-05-01"})
        later = await api.call("GET", f"/shas/{world.sha_a}/oversight-schedule?from=2009-05-02",
                               api.doh())
        assert [(r["pct_id"], r["review_on"]) for r in later["reviews"]] == [
            (world.pct_a1, "2009-06-01"), (world.pct_a2, "2009-06-30")]
        for who in (api.sha_admin(world.sha_b), api.commissioner(world.pct_a1)):
            is_problem(await assurance.client.get(url, headers=who), 404)
