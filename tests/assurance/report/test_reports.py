"""League tables, distributions, change since last cycle, CSV and SVG, through the API.

The league example is docs/assurance-rules.md's worked example (Year 1; RAG in the order
strategy, finance, board), computed by hand there.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from services.assurance.report.cache import LEAGUES
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, World, add_org, is_problem

SVG_NS = "{http://www.w3.org/2000/svg}"
PCT_B2, PCT_B3 = "org-pct-b2", "org-pct-b3"


@pytest.fixture
async def league_cycle(api: Api, world: World, assurance: ServiceHarness) -> dict[str, Any]:
    """A (SHA A) GGA 10x2; B (SHA A) GGG 8x2+2x1; C (SHA B) AAA 10x3; D (SHA B) RAG
    5x3+5x2; E (SHA B) GGG 10x1."""
    await add_org(assurance.session, PCT_B2, "PB2", "PCT", world.sha_b)
    await add_org(assurance.session, PCT_B3, "PB3", "PCT", world.sha_b)
    cycle = await api.open_cycle()
    cases = [(world.pct_a1, world.sha_a, [2] * 10, "GGA"),
             (world.pct_a2, world.sha_a, [2] * 8 + [1] * 2, "GGG"),
             (world.pct_b1, world.sha_b, [3] * 10, "AAA"),
             (PCT_B2, world.sha_b, [3] * 5 + [2] * 5, "RAG"),
             (PCT_B3, world.sha_b, [1] * 10, "GGG")]
    for pct, sha, levels, governance in cases:
        await api.through(cycle["id"], pct, sha, YEAR_1, levels, governance)
    return cycle


def ranks(table: dict[str, Any]) -> list[tuple[str, int, int, float]]:
    return [(r["pct_code"], r["national_rank"], r["sha_rank"], r["overall"])
            for r in table["rows"]]


class TestLeagueTable:
    async def test_national_table_matches_the_hand_computed_example(
        self, api: Api, league_cycle: dict[str, Any],
    ) -> None:
        table = await api.call("GET", f"/cycles/{league_cycle['id']}/league", api.doh())
        assert ranks(table) == [("PA2", 1, 1, 72.5), ("PA1", 2, 2, 66.67), ("PB1", 3, 1, 62.5),
                                ("PB3", 3, 1, 62.5), ("PB2", 5, 3, 56.25)]
        a = table["rows"][1]
        assert (a["governance_points"], a["governance_score"]) == (5, 83.33)
        assert (a["competency_points"], a["competency_score"]) == (20, 50.0)
        assert (table["sha_id"], table["excluded"], table["order"]) == (None, [], "overall")

    async def test_governance_first_order(self, api: Api, league_cycle: dict[str, Any]) -> None:
        table = await api.call(
            "GET", f"/cycles/{league_cycle['id']}/league?order=governance_first", api.doh())
        assert [r["pct_code"] for r in table["rows"]] == ["PA2", "PB3", "PA1", "PB1", "PB2"]

    async def test_an_sha_sees_its_region_with_national_ranks(
        self, api: Api, world: World, league_cycle: dict[str, Any], assurance: ServiceHarness,
    ) -> None:
        url = f"/cycles/{league_cycle['id']}/league"
        own = await api.call("GET", url, api.sha_admin(world.sha_b))
        assert own["sha_id"] == world.sha_b
        assert ranks(own) == [("PB1", 3, 1, 62.5), ("PB3", 3, 1, 62.5), ("PB2", 5, 3, 56.25)]
        other = await assurance.client.get(f"{url}?sha_id={world.sha_a}",
                                           headers=api.sha_admin(world.sha_b))
        is_problem(other, 404)
        chosen = await api.call("GET", f"{url}?sha_id={world.sha_a}", api.doh())
        assert [r["pct_code"] for r in chosen["rows"]] == ["PA2", "PA1"]
        # League tables are for SHAs (their region) and DoH only: not PCTs, not NHS CB.
        for who in (api.commissioner(world.pct_a1), api.peer(world.pct_a1),
                    api.as_(world.nhscb, "NHSCB", "nhscb_analyst"),
                    api.as_(world.nhscb, "NHSCB", "nhscb_admin")):
            for path in (url, f"{url}.csv", f"/cycles/{league_cycle['id']}/changes"):
                is_problem(await assurance.client.get(path, headers=who), 403)

    async def test_csv_export_is_well_formed(self, api: Api,
                                             league_cycle: dict[str, Any]) -> None:
        for url in (f"/cycles/{league_cycle['id']}/league?format=csv",
                    f"/cycles/{league_cycle['id']}/league.csv"):
            response = await api.call("GET", url, api.doh())
            assert response.headers["content-type"].startswith("text/csv")
            assert "attachment" in response.headers["content-disposition"]
            rows = list(csv.DictReader(io.StringIO(response.text)))
            assert [(r["pct_code"], r["national_rank"], r["overall"]) for r in rows] == [
                ("PA2", "1", "72.5"), ("PA1", "2", "66.67"), ("PB1", "3", "62.5"),
                ("PB3", "3", "62.5"), ("PB2", "5", "56.25")]
            assert rows[0]["pct_name"] == "PA2 (test)"

    async def test_unpublished_assessments_are_not_in_the_table(
        self, api: Api, world: World,
    ) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2, publish=False)
        table = await api.call("GET", f"/cycles/{cycle['id']}/league", api.doh())
        assert table["rows"] == []


class TestDistributions:
    async def test_counts_per_level_and_rating(self, api: Api, world: World,
                                               league_cycle: dict[str, Any]) -> None:
        spread = await api.call("GET", f"/cycles/{league_cycle['id']}/distributions",
                                api.commissioner(world.pct_a1))
        assert spread["population"] == 5
        first = spread["competencies"][0]
        assert (first["counts"], first["mean"]) == ({"1": 1, "2": 2, "3": 2, "4": 0}, 2.2)
        assert spread["competencies"][9]["counts"] == {"1": 2, "2": 2, "3": 1, "4": 0}
        strategy = spread["governance"][0]
        assert strategy == {"area": "strategy", "counts": {"RED": 1, "AMBER": 1, "GREEN": 3}}
        regional = await api.call(
            "GET", f"/cycles/{league_cycle['id']}/distributions?sha_id={world.sha_a}",
            api.sha_admin(world.sha_a))
        assert regional["population"] == 2
        exported = await api.call(
            "GET", f"/cycles/{league_cycle['id']}/distributions?format=csv", api.doh())
        rows = list(csv.reader(io.StringIO(exported.text)))
        assert rows[1][:7] == ["competency", "1", "Locally lead the NHS", "1", "2", "2", "0"]
        assert rows[-1][:2] == ["governance", "board"]

    async def test_national_distribution_svg(self, api: Api, world: World,
                                             league_cycle: dict[str, Any]) -> None:
        response = await api.call("GET", f"/cycles/{league_cycle['id']}/distribution.svg",
                                  api.doh())
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.text)
        assert root.tag == f"{SVG_NS}svg"
        assert root.attrib["viewBox"].startswith("0 0 ")
        assert "distribution of competency levels" in (root.findtext(f"{SVG_NS}title") or "")
        tips = [t.text for t in root.iter(f"{SVG_NS}title")]
        assert "Locally lead the NHS: level 2, 2 PCTs (40.0%)" in tips
        assert "href" not in response.text  # self-contained


class TestProfile:
    async def test_a_pcts_profile_against_the_national_distribution(
        self, api: Api, world: World, league_cycle: dict[str, Any], assurance: ServiceHarness,
    ) -> None:
        aid = await api.assessment_id(league_cycle["id"], PCT_B2)
        response = await api.call("GET", f"/assessments/{aid}/profile.svg",
                                  api.commissioner(PCT_B2))
        root = ET.fromstring(response.text)
        assert root.tag == f"{SVG_NS}svg" and "viewBox" in root.attrib
        assert "PB2 (test)" in (root.findtext(f"{SVG_NS}title") or "")
        marks = [t.attrib["data-level"] for t in root.iter(f"{SVG_NS}text")
                 if "data-level" in t.attrib]
        assert marks == ["3"] * 5 + ["2"] * 5
        hidden = await assurance.client.get(f"/assessments/{aid}/profile.svg",
                                            headers=api.commissioner(world.pct_a1))
        is_problem(hidden, 404)

    async def test_no_profile_before_publication(self, api: Api, world: World,
                                                 assurance: ServiceHarness) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        response = await assurance.client.get(f"/assessments/{aid}/profile.svg",
                                              headers=api.doh())
        assert is_problem(response, 409)["current_state"] == "draft"


class TestChangesSincePreviousCycle:
    async def test_rank_and_score_change(self, api: Api, world: World) -> None:
        year1 = await api.open_cycle()
        await api.through(year1["id"], world.pct_a1, world.sha_a, YEAR_1, 3, "GGG")
        await api.through(year1["id"], world.pct_a2, world.sha_a, YEAR_1, 2, "GGG")
        year2 = await api.open_cycle(YEAR_2)
        await api.through(year2["id"], world.pct_a1, world.sha_a, YEAR_2, 2, "GGG")
        await api.through(year2["id"], world.pct_b1, world.sha_b, YEAR_2, 3, "GGG")
        changes = await api.call("GET", f"/cycles/{year2['id']}/changes", api.doh())
        assert changes["previous_cycle_year"] == YEAR_1
        rows = {c["pct_id"]: c for c in changes["changes"]}
        a1 = rows[world.pct_a1]
        # Year 1: (100 + 30/40) / 2 = 87.5, rank 1; Year 2: (100 + 22/44) / 2 = 75, rank 2
        assert (a1["previous_rank"], a1["rank"], a1["rank_delta"]) == (1, 2, -1)
        assert (a1["previous_overall"], a1["overall"], a1["score_delta"]) == (87.5, 75.0, -12.5)
        assert rows[world.pct_b1]["is_new"] is True
        assert changes["dropped"] == [world.pct_a2]
        regional = await api.call("GET", f"/cycles/{year2['id']}/changes?scope=sha",
                                  api.sha_admin(world.sha_a))
        assert [(c["pct_id"], c["rank"]) for c in regional["changes"]] == [(world.pct_a1, 1)]
        assert regional["dropped"] == [world.pct_a2]


class TestLeagueCache:
    async def test_a_new_publication_shows_at_once(self, api: Api, world: World) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        url = f"/cycles/{cycle['id']}/league"
        assert len((await api.call("GET", url, api.doh()))["rows"]) == 1
        await api.through(cycle["id"], world.pct_b1, world.sha_b, YEAR_1, 3)
        assert [r["pct_id"] for r in (await api.call("GET", url, api.doh()))["rows"]] == [
            world.pct_b1, world.pct_a1]

    async def test_another_replicas_stale_table_is_revalidated(
        self, api: Api, world: World, monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        cycle = await api.open_cycle()
        await api.through(cycle["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        url = f"/cycles/{cycle['id']}/league"
        await api.call("GET", url, api.doh())
        key = (cycle["id"], "overall")
        cached = LEAGUES.get(key)
        assert cached is not None
        await api.through(cycle["id"], world.pct_b1, world.sha_b, YEAR_1, 3)
        # as a replica that did not publish would still hold it, past its freshness
        LEAGUES.put(key, cached[0])
        monkeypatch.setattr(LEAGUES, "fresh", 0.0)
        assert len((await api.call("GET", url, api.doh()))["rows"]) == 2
