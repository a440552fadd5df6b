"""Runs executed by the worker-side function: results as JSON, CSV and SVG; comparisons."""

from __future__ import annotations

import csv
import io

import pytest

from services.market.simulation import OUTPUTS
from shared.testing.plugin import ServiceHarness
from tests.market.helpers import People, completed_run, ok, outbox_events, queue_run

LEVELS = ("active_suppliers", "active_csus", "hhi_population", "in_house_share", "csu_staff")


class TestCompletedRun:
    async def test_the_results_hold_a_summary_per_output_and_quarter_and_the_events(
            self, market: ServiceHarness, who: People) -> None:
        run = await completed_run(market, who, replications=30, seed=7)
        assert (run["status"], run["progress_percent"], run["eta_seconds"]) == ("completed",
                                                                                100.0, None)
        results = ok(await market.client.get(f"/runs/{run['id']}/results",
                                             headers=who.headers()))
        assert results["quarters"][0] == "2013-04" and len(results["quarters"]) == 20
        assert set(results["outputs"]) == set(OUTPUTS)
        for name in LEVELS:
            stats = results["outputs"][name]
            assert all(low <= mean <= high for low, mean, high in
                       zip(stats["p5"], stats["mean"], stats["p95"], strict=True))
        assert results["outputs"]["active_csus"]["mean"][0] == 19.0
        kinds = {event["kind"] for event in results["events"]}
        assert "merger" in kinds and "entry" in kinds
        assert run["headline"]["active_csus"] == results["outputs"]["active_csus"]["mean"][-1]

    async def test_completion_is_announced_with_final_quarter_means(
            self, market: ServiceHarness, who: People) -> None:
        run = await completed_run(market, who, replications=10, seed=3)
        [event] = await outbox_events(market.session, "market.run.completed.v1")
        assert (event["run_id"], event["status"], event["replications"], event["seed"]) == (
            run["id"], "completed", 10, 3)
        assert event["summary"] == run["headline"]
        assert 0 < event["summary"]["in_house_share"] < 1

    async def test_csv_has_one_row_per_quarter_and_output(self, market: ServiceHarness,
                                                           who: People) -> None:
        run = await completed_run(market, who, replications=10)
        response = await market.client.get(f"/runs/{run['id']}/results.csv",
                                           headers=who.headers())
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert len(rows) == 20 * len(OUTPUTS)
        first = rows[0]
        assert (first["quarter"], first["date"], first["output"]) == ("0", "2013-04",
                                                                      OUTPUTS[0])
        assert float(first["p5"]) <= float(first["mean"]) <= float(first["p95"])

    @pytest.mark.parametrize(("chart", "title"), [
        ("suppliers", "Active suppliers"), ("hhi", "Market concentration"),
        ("in-house", "Share of support made in-house")])
    async def test_charts_are_svg_documents(self, market: ServiceHarness, who: People,
                                            chart: str, title: str) -> None:
        run = await completed_run(market, who, replications=10)
        response = await market.client.get(f"/runs/{run['id']}/charts/{chart}.svg",
                                           headers=who.headers())
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/svg+xml"
        assert response.text.startswith("<svg") and title in response.text
        assert 'data-series="p5-p95"' in response.text

    async def test_an_unknown_chart_is_422(self, market: ServiceHarness, who: People) -> None:
        run = await completed_run(market, who, replications=5)
        response = await market.client.get(f"/runs/{run['id']}/charts/prices.svg",
                                           headers=who.headers())
        assert ok(response, 422)["errors"][0]["loc"] == ["path", "chart"]

    async def test_results_wait_for_completion(self, market: ServiceHarness,
                                               who: People) -> None:
        run = await queue_run(market.client, who)
        for path in ("results", "results.csv", "charts/hhi.svg"):
            response = await market.client.get(f"/runs/{run['id']}/{path}",
                                               headers=who.headers())
            assert ok(response, 409)["detail"] == ("the run is queued; results are stored when "
                                                   "it completes")


class TestDeterminism:
    async def test_the_same_scenario_and_seed_give_the_same_results(
            self, market: ServiceHarness, who: People) -> None:
        first = await completed_run(market, who, replications=12, seed=99)
        second = await completed_run(market, who, replications=12, seed=99)
        other = await completed_run(market, who, replications=12, seed=100)
        results = [ok(await market.client.get(f"/runs/{run['id']}/results",
                                              headers=who.headers()))
                   for run in (first, second, other)]
        assert results[0]["outputs"] == results[1]["outputs"]
        assert results[0]["events"] == results[1]["events"]
        assert results[0]["outputs"] != results[2]["outputs"]


class TestCsmRef:
    async def test_the_reference_model_runs_as_a_job_too(self, market: ServiceHarness,
                                                          who: People) -> None:
        run = await completed_run(market, who, model="csm-ref", replications=40, seed=5)
        results = ok(await market.client.get(f"/runs/{run['id']}/results",
                                             headers=who.headers()))
        assert set(results["outputs"]) == {"active_suppliers", "hhi", "in_house_share"}
        assert len(results["quarters"]) == 40 and results["events"] == []
        # the three private entrants join at step 8 and are gone by step 11 (csm-ref §1.2 #15)
        suppliers = results["outputs"]["active_suppliers"]["mean"]
        assert suppliers[6] + 3 == suppliers[7]
        chart = await market.client.get(f"/runs/{run['id']}/charts/hhi.svg",
                                        headers=who.headers())
        assert chart.status_code == 200 and "<svg" in chart.text


class TestCompare:
    async def test_a_variant_minus_a_base_per_output_and_quarter(
            self, market: ServiceHarness, who: People) -> None:
        base = await completed_run(market, who, scenario="baseline", replications=20, seed=4)
        variant = await completed_run(market, who, scenario="no-private-entry",
                                      replications=20, seed=4)
        compared = ok(await market.client.get(
            f"/runs/compare?a={base['id']}&b={variant['id']}", headers=who.headers()))
        assert (compared["a"], compared["b"]) == (base["id"], variant["id"])
        assert (compared["base"], compared["variant"]) == ("baseline", "no-private-entry")
        private = compared["outputs"]["active_private"]  # three entrants from 2015-02 (q7)
        assert private["difference"][8] == -3.0
        suppliers = compared["outputs"]["active_suppliers"]
        assert suppliers["low"][8] <= suppliers["difference"][8] <= suppliers["high"][8] < 0
        assert suppliers["difference"][0] == 0

    async def test_runs_of_different_models_are_not_compared(
            self, market: ServiceHarness, who: People) -> None:
        market_run = await completed_run(market, who, replications=5)
        reference = await completed_run(market, who, model="csm-ref", replications=5)
        response = await market.client.get(
            f"/runs/compare?a={market_run['id']}&b={reference['id']}", headers=who.headers())
        assert ok(response, 409)["detail"] == ("the runs use different models; compare like "
                                               "with like")

    async def test_both_runs_must_have_completed(self, market: ServiceHarness,
                                                 who: People) -> None:
        done = await completed_run(market, who, replications=5)
        queued = await queue_run(market.client, who)
        response = await market.client.get(f"/runs/compare?a={done['id']}&b={queued['id']}",
                                           headers=who.headers())
        assert response.status_code == 409
        missing = await market.client.get(f"/runs/compare?a={done['id']}",
                                          headers=who.headers())
        assert ok(missing, 422)["errors"][0]["loc"] == ["query", "b"]
