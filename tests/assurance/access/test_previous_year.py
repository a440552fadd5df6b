"""Last year's result is a published result: a peer on this year's panel does not see it.

ADR 0006: published results are for the PCT, its SHA, DoH and NHS CB; a peer assessor sees
the assessment whose panel they sit on only until it is published. This year's assessment is
on the panel (the peer sees it); last year's is published (the peer may not see it), so the
comparison with last year must not hand it over through this year's assessment.
"""

from __future__ import annotations

from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, World, peer_subject


async def on_panel_in_year_2(api: Api, world: World) -> tuple[str, str]:
    """A1 published in year 1; in year 2 A1 submitted and A2's peer sits on its panel."""
    year1 = await api.open_cycle()
    previous = await api.through(year1["id"], world.pct_a1, world.sha_a, YEAR_1, 2,
                                 self_levels=3)
    year2 = await api.open_cycle(YEAR_2)
    aid = await api.assessment_id(year2["id"], world.pct_a1)
    await api.submit(aid, world.pct_a1, YEAR_2, 3)
    await api.call("POST", f"/assessments/{aid}/panel", api.lead(world.sha_a), {"peers": [
        {"subject": peer_subject(world.pct_a2), "organisation_id": world.pct_a2}]})
    return aid, previous


class TestChangesSinceLastYear:
    async def test_a_peer_sees_this_year_but_not_last_years_result(
            self, api: Api, world: World, assurance: ServiceHarness) -> None:
        aid, previous = await on_panel_in_year_2(api, world)
        peer = api.peer(world.pct_a2)
        await api.call("GET", f"/assessments/{aid}", peer)
        await api.call("GET", f"/assessments/{previous}", peer, expect=404)
        changes = await api.call("GET", f"/assessments/{aid}/changes-since-last-year", peer)
        assert changes["previous_assessment_id"] is None
        assert {c["previous_level"] for c in changes["competencies"]} == {None}
        assert {s["previous_panel_level"] for s in changes["sub_competencies"]} == {None}

    async def test_the_pct_and_its_sha_still_see_last_year(
            self, api: Api, world: World, assurance: ServiceHarness) -> None:
        aid, previous = await on_panel_in_year_2(api, world)
        for who in (api.commissioner(world.pct_a1), api.sha_admin(world.sha_a), api.doh()):
            changes = await api.call("GET", f"/assessments/{aid}/changes-since-last-year", who)
            assert changes["previous_assessment_id"] == previous
            levels = {c["code"]: c["previous_level"] for c in changes["competencies"]}
            assert levels["1"] == 2
