"""A cycle is frozen against the framework and autonomy-rules files it opened with."""

from __future__ import annotations

import hashlib

from sqlalchemy import update

from services.assurance.cycle.models import Cycle
from services.assurance.rules.loading import FRAMEWORKS_DIR, REFERENCE_DIR
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, Api, World, is_problem, sub_levels

ANOTHER_FILE = hashlib.sha256(b"a framework file edited after the cycle opened").hexdigest()


def on_file(path: str) -> str:
    return hashlib.sha256((REFERENCE_DIR / path).read_bytes()).hexdigest()


async def stored_as(harness: ServiceHarness, cycle_id: str, **digests: str) -> None:
    """Make the cycle's stored digests differ from the files on this server, as an edit of a
    published version (or a server with other files) would."""
    await harness.session.execute(update(Cycle).where(Cycle.id == cycle_id).values(**digests))
    await harness.session.flush()


class TestFrozenAtOpening:
    async def test_opening_records_the_digest_of_each_file(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        assert cycle["framework_sha256"] == hashlib.sha256(
            (FRAMEWORKS_DIR / "wcc-2008-09.yaml").read_bytes()).hexdigest()
        assert cycle["autonomy_rules_sha256"] == on_file("autonomy-rules-2008-09.yaml")
        listed = await api.call("GET", "/cycles", api.commissioner(world.pct_a1))
        assert listed["items"][0]["framework_sha256"] == cycle["framework_sha256"]

    async def test_an_unchanged_cycle_scores_as_usual(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        aid = await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert read["status"] == "published"


class TestChangedFrameworkFile:
    async def test_scoring_reading_and_reports_are_refused_with_the_reason(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await stored_as(assurance, cycle["id"], framework_sha256=ANOTHER_FILE)

        edit = await assurance.client.patch(
            f"/assessments/{aid}/self-assessment", headers=api.commissioner(world.pct_a1),
            json={"sub_competencies": sub_levels(YEAR_1, 3)})
        problem = is_problem(edit, 500)
        assert problem["type"].endswith("/reference-data-changed")
        assert problem["detail"].startswith(
            f"the {YEAR_1} cycle opened with wcc-2008-09 (sha256 {ANOTHER_FILE}), but "
            "wcc-2008-09 on this server now has sha256 ")
        assert "never edited" in problem["detail"]
        assert problem["opened_with_sha256"] == ANOTHER_FILE
        assert problem["on_file_sha256"] == on_file("frameworks/wcc-2008-09.yaml")
        for url in (f"/assessments/{aid}", f"/cycles/{cycle['id']}/league",
                    f"/cycles/{cycle['id']}/distributions"):
            is_problem(await assurance.client.get(url, headers=api.doh()), 500)

    async def test_nothing_is_written_by_a_refused_edit(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        history = await api.call("GET", f"/assessments/{aid}/history", api.doh())
        await stored_as(assurance, cycle["id"], framework_sha256=ANOTHER_FILE)
        await assurance.client.patch(
            f"/assessments/{aid}/self-assessment", headers=api.commissioner(world.pct_a1),
            json={"sub_competencies": sub_levels(YEAR_1, 3)})
        await stored_as(assurance, cycle["id"],
                        framework_sha256=on_file("frameworks/wcc-2008-09.yaml"))
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert {sub["self_level"] for sub in read["sub_competencies"]} == {None}
        assert await api.call("GET", f"/assessments/{aid}/history", api.doh()) == history


class TestChangedAutonomyRulesFile:
    async def test_publication_is_refused(self, api: Api, world: World,
                                          assurance: ServiceHarness) -> None:
        cycle = await api.open_cycle()
        aid = await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2,
                                publish=False)
        await stored_as(assurance, cycle["id"], autonomy_rules_sha256=ANOTHER_FILE)
        response = await assurance.client.post(f"/assessments/{aid}/publication",
                                               headers=api.doh())
        assert "autonomy-rules-2008-09" in is_problem(response, 500)["detail"]
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert read["status"] == "nationally_calibrated"
