"""Support needs from assurance become recommendations a PCT turns into a request."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.handlers import HANDLERS
from services.procurement.recommendation.models import Recommendation
from services.procurement.recommendation.service import default_services
from services.procurement.rules.packages import PackageRequest, validate_package
from shared.events.contracts.assurance import AssessmentRated, SupportNeedIdentified
from shared.events.envelope import new_envelope
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import FRAMEWORK, World, count, is_problem, ok, outbox_payloads

CASE = ("Our health needs assessment is three years old and our panel asked for "
        "segmentation by deprivation quintile.")


def support_need(world: World, *, need_id: str = "sn-1", package_type: str = "micro",
                 form: str = "analytical_tools") -> SupportNeedIdentified:
    return SupportNeedIdentified(
        support_need_id=need_id, assessment_id="a-1", pct_id=world.pct.id, sha_id=world.sha.id,
        competency="C5", competency_name="Manage knowledge and assess needs", level=1,
        target_level=3, support_form=form, grouping="assessment_and_planning",
        package_type=package_type)


def rated(world: World, *, published_on: date, score: float) -> AssessmentRated:
    return AssessmentRated(
        assessment_id=f"a-{published_on.year}", cycle_id="c", cycle_year="2008/09",
        framework_version="2008-09", pct_id=world.pct.id, sha_id=world.sha.id,
        competency_levels={"C1": 2, "C11": None},
        governance={"strategy": "GREEN", "finance": "AMBER", "board": "GREEN"},
        league_score=score, published_on=published_on)


async def deliver(session: AsyncSession, payload: Any, type_: str) -> None:
    envelope = new_envelope(source="/services/assurance", type_=type_, subject=payload.pct_id,
                            data=payload.model_dump(mode="json"), correlation_id=None)
    await HANDLERS[type_](session, envelope, payload)
    await session.commit()


class TestRecommendations:
    async def test_a_support_need_appears_on_the_pct_dashboard(self, proc: ServiceHarness,
                                                               world: World) -> None:
        await deliver(proc.session, support_need(world), "assurance.support_need.identified.v1")
        await deliver(proc.session, support_need(world), "assurance.support_need.identified.v1")
        [shown] = ok(await proc.client.get(f"/pcts/{world.pct.id}/recommendations",
                                           headers=world.commissioner()))
        assert (shown["grouping"], shown["package_type"], shown["status"]) == (
            "assessment_and_planning", "micro", "open")
        assert await count(proc.session, Recommendation) == 1

    async def test_one_call_turns_it_into_a_request(self, proc: ServiceHarness,
                                                    world: World) -> None:
        await deliver(proc.session, support_need(world), "assurance.support_need.identified.v1")
        [shown] = ok(await proc.client.get(f"/pcts/{world.pct.id}/recommendations",
                                           headers=world.commissioner()))
        request = ok(await proc.client.post(
            f"/recommendations/{shown['id']}/request", headers=world.commissioner(),
            json={"business_case": CASE, "estimated_value_pence": 8_000_000}), 201)
        assert request["package_type"] == "micro"
        assert request["services"] == ["data_analysis"]  # analytical tools, first in grouping
        assert request["recommendation_id"] == shown["id"]
        [created] = await outbox_payloads(proc.session, "procurement.request.created.v1")
        assert created["recommendation_id"] == shown["id"]
        again = await proc.client.post(
            f"/recommendations/{shown['id']}/request", headers=world.commissioner(),
            json={"business_case": CASE, "estimated_value_pence": 8_000_000})
        assert is_problem(again, 409)

    async def test_a_macro_recommendation_becomes_a_whole_function(
            self, proc: ServiceHarness, world: World) -> None:
        await deliver(proc.session, support_need(world, package_type="macro"),
                      "assurance.support_need.identified.v1")
        [shown] = ok(await proc.client.get(f"/pcts/{world.pct.id}/recommendations",
                                           headers=world.commissioner()))
        request = ok(await proc.client.post(
            f"/recommendations/{shown['id']}/request", headers=world.commissioner(),
            json={"business_case": CASE, "estimated_value_pence": 30_000_000}), 201)
        assert request["macro_kind"] == "function"
        assert request["services"] == list(FRAMEWORK.service_codes("assessment_and_planning"))

    async def test_another_pct_cannot_see_or_use_it(self, proc: ServiceHarness,
                                                    world: World) -> None:
        await deliver(proc.session, support_need(world), "assurance.support_need.identified.v1")
        [shown] = ok(await proc.client.get(f"/pcts/{world.pct.id}/recommendations",
                                           headers=world.sha_admin()))
        other = world.commissioner(world.sibling_pct)
        listing = await proc.client.get(f"/pcts/{world.pct.id}/recommendations", headers=other)
        use = await proc.client.post(f"/recommendations/{shown['id']}/request", headers=other,
                                     json={"business_case": CASE,
                                           "estimated_value_pence": 8_000_000})
        assert is_problem(listing, 404) and is_problem(use, 404)

    @pytest.mark.parametrize("form", ["staffing_capacity", "analytical_tools",
                                      "strategy_development", "assurance_presentation_advice"])
    @pytest.mark.parametrize("grouping", [g.code for g in FRAMEWORK.groupings])
    def test_every_default_package_is_valid(self, form: str, grouping: str) -> None:
        for package_type in ("micro", "macro"):
            need = Recommendation(support_form=form, grouping=grouping,
                                  package_type=package_type)
            services = default_services(FRAMEWORK, need)
            kind = "function" if package_type == "macro" else None
            assert validate_package(FRAMEWORK, PackageRequest(
                package_type, tuple(services), macro_kind=kind)) == []


class TestRating:
    async def test_the_dashboard_shows_the_latest_rating(self, proc: ServiceHarness,
                                                         world: World) -> None:
        await deliver(proc.session, rated(world, published_on=date(2009, 3, 1), score=61.5),
                      "assurance.assessment.rated.v1")
        await deliver(proc.session, rated(world, published_on=date(2008, 3, 1), score=40.0),
                      "assurance.assessment.rated.v1")
        dashboard = ok(await proc.client.get(f"/pcts/{world.pct.id}/dashboard",
                                             headers=world.sha_admin()))
        assert dashboard["rating"]["league_score"] == 61.5
        assert dashboard["rating"]["governance"]["finance"] == "AMBER"
        assert dashboard["freedoms"] is None
