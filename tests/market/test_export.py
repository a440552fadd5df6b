"""Exports: JSON and CSV tables, and self-contained SVG charts."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import pytest

from services.market.simulation.export import (
    comparison_to_csv,
    comparison_to_json,
    events_to_csv,
    hhi_chart,
    in_house_share_chart,
    line_chart,
    result_chart,
    result_to_csv,
    result_to_json,
    summary_to_csv,
    summary_to_json,
    supplier_count_chart,
)
from services.market.simulation.export.svg import nice_axis
from services.market.simulation.market.engine import OUTPUTS, MarketResult, run_market
from services.market.simulation.montecarlo import MonteCarloSummary, compare, run_monte_carlo
from services.market.simulation.scenario import load_scenario

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def result() -> MarketResult:
    return run_market(load_scenario("baseline"), 8)


@pytest.fixture(scope="module")
def summary() -> MonteCarloSummary:
    return run_monte_carlo(load_scenario("baseline"), 30, master_seed=2, workers=1)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


class TestTables:
    def test_run_csv_has_a_row_per_quarter_and_a_column_per_output(
            self, result: MarketResult) -> None:
        table = rows(result_to_csv(result))
        assert list(table[0]) == ["quarter", "date", *OUTPUTS]
        assert len(table) == 20 and table[0]["date"] == "2013-04"
        assert float(table[0]["active_csus"]) == 19

    def test_events_csv_lists_entries_with_dates_and_causes(self, result: MarketResult) -> None:
        table = rows(events_to_csv(result))
        assert list(table[0]) == ["quarter", "date", "kind", "supplier", "counterpart", "cause"]
        entries = [r for r in table if r["kind"] == "entry"]
        assert len(entries) == 3 and entries[0]["date"] == "2015-01" and entries[0]["cause"]

    def test_run_json_round_trips(self, result: MarketResult) -> None:
        document = json.loads(result_to_json(result))
        assert document["scenario"] == "baseline" and document["seed"] == 8
        assert document["outputs"]["active_csus"][0] == 19
        assert len(document["events"]) == len(result.events)

    def test_summary_csv_is_long_with_mean_and_band(self, summary: MonteCarloSummary) -> None:
        table = rows(summary_to_csv(summary))
        assert list(table[0]) == ["quarter", "date", "output", "mean", "sd", "p5", "p95"]
        assert len(table) == 20 * len(OUTPUTS)
        first = next(r for r in table if r["output"] == "active_suppliers")
        assert float(first["p5"]) <= float(first["mean"]) <= float(first["p95"])

    def test_summary_json_is_strict_json(self, summary: MonteCarloSummary) -> None:
        document = json.loads(summary_to_json(summary))
        assert document["replications"] == 30
        assert set(document["outputs"]["hhi_population"]) == {"mean", "sd", "p5", "p95"}

    def test_comparison_exports(self, summary: MonteCarloSummary) -> None:
        comparison = compare(summary, summary)
        table = rows(comparison_to_csv(comparison))
        assert list(table[0]) == ["quarter", "date", "output", "difference", "low", "high"]
        assert json.loads(comparison_to_json(comparison))["variant"] == "baseline"

    def test_missing_values_become_null(self) -> None:
        result = MarketResult("x", 1, ("2013-04",), {"hhi_population": np.array([np.nan])}, ())
        assert json.loads(result_to_json(result))["outputs"]["hhi_population"] == [None]


class TestSvg:
    @pytest.mark.parametrize("chart", [supplier_count_chart, hhi_chart, in_house_share_chart])
    def test_charts_are_well_formed_svg_with_mean_and_band(
            self, chart: Callable[[MonteCarloSummary], str], summary: MonteCarloSummary) -> None:
        root = ET.fromstring(chart(summary))
        assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 640 360"
        assert root.findtext(f"{SVG}title")
        line = root.find(f".//{SVG}polyline[@data-series='mean']")
        assert line is not None and len(line.get("points", "").split()) == 20
        band = root.find(f".//{SVG}path[@data-series='p5-p95']")
        assert band is not None and band.get("d", "").endswith("Z")
        texts = [t.text for t in root.iter(f"{SVG}text")]
        assert "Quarter (first month)" in texts and "2013-04" in texts

    def test_supplier_chart_is_titled_and_labelled(self, summary: MonteCarloSummary) -> None:
        root = ET.fromstring(supplier_count_chart(summary))
        assert "Active suppliers" in (root.findtext(f"{SVG}title") or "")
        y_label = root.find(f".//{SVG}text[@class='y-label']")
        assert y_label is not None and y_label.text == "Suppliers"

    def test_the_mean_line_follows_the_data(self, summary: MonteCarloSummary) -> None:
        root = ET.fromstring(supplier_count_chart(summary))
        line = root.find(f".//{SVG}polyline[@data-series='mean']")
        assert line is not None
        ys = [float(p.split(",")[1]) for p in line.get("points", "").split()]
        means = summary.outputs["active_suppliers"].mean
        # SVG y grows downwards: more suppliers means a smaller y
        assert (ys[0] < ys[-1]) == (means[0] > means[-1])

    def test_a_single_run_chart_has_no_band(self, result: MarketResult) -> None:
        root = ET.fromstring(result_chart(result, "hhi_revenue"))
        assert root.find(f".//{SVG}path[@data-series='p5-p95']") is None
        assert root.find(f".//{SVG}polyline[@data-series='mean']") is not None

    def test_text_is_escaped(self) -> None:
        svg = line_chart("Costs <&> \"quotes\"", ["a", "b"], [1.0, 2.0], y_label="£ & more")
        assert ET.fromstring(svg).findtext(f"{SVG}title") == 'Costs <&> "quotes"'

    def test_axis_ticks_are_round_numbers_covering_the_data(self) -> None:
        axis = nice_axis([0.0, 3.7, 19.0])
        assert axis.low == 0 and axis.high >= 19 and axis.ticks[1] in (2.5, 5.0, 4.0)
        flat = nice_axis([5.0, 5.0])
        assert flat.high > flat.low
