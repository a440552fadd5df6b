"""Scenarios: the built-in documents and custom ones validated by the simulation's models."""

from __future__ import annotations

from typing import Any

import pytest

from services.market.scenario.models import CustomScenario
from shared.testing.plugin import ServiceHarness
from tests.market.helpers import People, completed_run, count, ok

BUILT_IN = ["baseline", "historical", "national-all-at-scale", "national-bi-at-scale",
            "no-private-entry", "planned-23"]
CUSTOM = {"name": "historical-25-csus", "extends": "historical",
          "description": "History with 25 CSUs at go-live",
          "parameters": {"csus": {"count": 25}, "private": {"vat_penalty": 0.05}}}


class TestBuiltIn:
    async def test_the_reference_scenarios_are_listed(self, market: ServiceHarness,
                                                      who: People) -> None:
        page = ok(await market.client.get("/scenarios", headers=who.headers()))
        assert [s["name"] for s in page["items"]] == BUILT_IN and page["total"] == len(BUILT_IN)
        assert {s["kind"] for s in page["items"]} == {"built-in"}

    async def test_a_scenario_shows_what_it_changes_and_the_whole_document(
            self, market: ServiceHarness, who: People) -> None:
        historical = ok(await market.client.get("/scenarios/historical", headers=who.headers()))
        assert historical["extends"] == "baseline"
        assert historical["parameters"]["framework_gate"] == {"csu_sla_end": "2016-04-01"}
        assert historical["document"]["csus"]["min_efficient_scale"] == 3_875_000
        assert historical["document"]["ccgs"]["count"] == 211

    async def test_an_unknown_scenario_is_404(self, market: ServiceHarness, who: People) -> None:
        response = await market.client.get("/scenarios/atlantis", headers=who.headers())
        assert ok(response, 404)["detail"] == "scenario 'atlantis' does not exist"


class TestCustom:
    async def test_a_custom_scenario_is_stored_for_its_organisation_and_runs(
            self, market: ServiceHarness, who: People) -> None:
        created = ok(await market.client.post("/scenarios", json=CUSTOM,
                                              headers=who.headers("doh_admin")), 201)
        assert (created["kind"], created["owner_org_id"]) == ("custom", who.orgs["DOH"])
        assert created["document"]["csus"]["count"] == 25
        assert created["document"]["csus"]["min_efficient_scale"] == 3_875_000  # inherited
        listed = ok(await market.client.get("/scenarios", headers=who.headers()))
        assert [s["name"] for s in listed["items"]][-1] == "historical-25-csus"
        second = ok(await market.client.get(f"/scenarios?offset={len(BUILT_IN)}&limit=1",
                                            headers=who.headers()))
        assert [s["name"] for s in second["items"]] == ["historical-25-csus"]
        run = await completed_run(market, who, scenario="historical-25-csus", replications=4)
        results = ok(await market.client.get(f"/runs/{run['id']}/results",
                                             headers=who.headers()))
        assert results["outputs"]["active_csus"]["mean"][0] == 25.0

    @pytest.mark.parametrize(("parameters", "loc"), [
        ({"csus": {"count": 0}}, ["body", "parameters", "csus", "count"]),
        ({"csus": {"bogus": 1}}, ["body", "parameters", "csus", "bogus"]),
        ({"private": {"vat_penalty": 0.5}}, ["body", "parameters", "private", "vat_penalty"]),
        ({"csus": {"quality": [0.9, 0.1]}}, ["body", "parameters", "csus"]),
        ({"quarters": "many"}, ["body", "parameters", "quarters"]),
        ({"name": "other"}, ["body", "parameters", "name"]),
    ])
    async def test_an_invalid_document_is_422_with_field_paths(
            self, market: ServiceHarness, who: People, parameters: dict[str, Any],
            loc: list[str]) -> None:
        response = await market.client.post("/scenarios", json={**CUSTOM,
                                                                "parameters": parameters},
                                            headers=who.headers())
        problem = ok(response, 422)
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["type"].endswith("/validation-error")
        assert loc in [error["loc"] for error in problem["errors"]]
        assert await count(market.session, CustomScenario) == 0

    @pytest.mark.parametrize(("change", "loc"), [
        ({"extends": "atlantis"}, ["body", "extends"]),
        ({"name": "Bad Name"}, ["body", "name"]),
        ({"parameters": [1, 2]}, ["body", "parameters"]),
    ])
    async def test_a_bad_request_is_422(self, market: ServiceHarness, who: People,
                                        change: dict[str, Any], loc: list[str]) -> None:
        response = await market.client.post("/scenarios", json={**CUSTOM, **change},
                                            headers=who.headers())
        assert loc in [error["loc"] for error in ok(response, 422)["errors"]]
        assert await count(market.session, CustomScenario) == 0

    @pytest.mark.parametrize("name", ["baseline", "historical-25-csus"])
    async def test_a_taken_name_is_409(self, market: ServiceHarness, who: People,
                                       name: str) -> None:
        ok(await market.client.post("/scenarios", json=CUSTOM, headers=who.headers()), 201)
        response = await market.client.post("/scenarios", json={**CUSTOM, "name": name},
                                            headers=who.headers())
        assert ok(response, 409)["detail"] == f"a scenario named {name!r} exists already"
        assert await count(market.session, CustomScenario) == 1
