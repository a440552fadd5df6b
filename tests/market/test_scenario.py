"""Scenario documents: the reference files load, and invalid documents fail clearly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.market.simulation.scenario import (
    SCENARIO_DIR,
    ScenarioError,
    list_scenarios,
    load_scenario,
    parse_scenario,
    with_parameters,
)


class TestReferenceScenarios:
    def test_the_documented_scenarios_are_shipped(self) -> None:
        names = list_scenarios()
        for required in ("baseline", "historical", "no-private-entry", "national-bi-at-scale"):
            assert required in names

    @pytest.mark.parametrize("name", list_scenarios())
    def test_every_reference_scenario_is_valid_and_named_after_its_file(self, name: str) -> None:
        scenario = load_scenario(name)
        assert scenario.name == name
        assert scenario.description

    def test_baseline_starts_in_april_2013_with_211_ccgs_and_19_csus(self) -> None:
        baseline = load_scenario("baseline")
        assert baseline.start == dt.date(2013, 4, 1)
        assert baseline.ccgs.count == 211 and baseline.csus.count == 19
        assert baseline.csus.hosted_until == dt.date(2016, 4, 1)
        assert 0.05 <= baseline.private.vat_penalty <= 0.09

    def test_a_variant_extends_the_baseline_and_overrides_only_what_it_names(self) -> None:
        baseline, variant = load_scenario("baseline"), load_scenario("no-private-entry")
        assert not variant.private.enabled
        assert variant.private.entry == baseline.private.entry
        assert variant.csus == baseline.csus

    def test_a_scenario_file_can_be_loaded_by_path(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.yaml"
        path.write_text("extends: baseline\nname: mine\ncsus: {count: 21}\n")
        assert load_scenario(path).csus.count == 21

    def test_an_unknown_scenario_lists_the_known_ones(self) -> None:
        with pytest.raises(ScenarioError, match=r"not found.*baseline"):
            load_scenario("no-such-scenario")


def error_of(document: dict[str, object]) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(document, source="test")
    return str(caught.value)


class TestValidation:
    def test_errors_name_the_field_and_the_rule(self) -> None:
        message = error_of({"name": "x", "csus": {"count": 0}})
        assert "csus.count: Input should be greater than or equal to 1" in message

    def test_unknown_fields_are_rejected(self) -> None:
        message = error_of({"name": "x", "csus": {"colour": "blue"}})
        assert "csus.colour: Extra inputs are not permitted" in message

    def test_every_problem_is_listed_at_once(self) -> None:
        message = error_of({"name": "x", "quarters": 0, "private": {"vat_penalty": 0.5}})
        assert "quarters:" in message and "private.vat_penalty:" in message

    def test_inconsistent_values_are_explained(self) -> None:
        message = error_of({"name": "x", "csus": {"quality": [0.9, 0.4]}})
        assert "csus.quality must be (low, high) with 0 <= low <= high <= 1" in message
        message = error_of({"name": "x", "contracts": {"min_quarters": 9, "max_quarters": 6}})
        assert "min_quarters must not exceed max_quarters" in message

    def test_national_functions_must_be_service_lines(self) -> None:
        message = error_of({"name": "x", "national": {"enabled": True,
                                                      "price_per_head": {"payroll": 1.0}}})
        assert "national.price_per_head.payroll" in message

    def test_populations_list_must_match_the_number_of_ccgs(self) -> None:
        message = error_of({"name": "x", "ccgs": {"count": 3, "populations": [1e5, 2e5]}})
        assert "populations must list 3 positive numbers" in message

    def test_names_are_slugs(self) -> None:
        assert "name:" in error_of({"name": "Not A Slug"})

    def test_extending_an_unknown_scenario_fails(self) -> None:
        with pytest.raises(ScenarioError, match="not found"):
            parse_scenario({"extends": "nowhere", "name": "x"})


class TestParameters:
    def test_dotted_parameters_are_replaced_and_revalidated(self) -> None:
        changed = with_parameters(load_scenario("baseline"), {"csus.min_efficient_scale": 4e6})
        assert changed.csus.min_efficient_scale == 4e6
        with pytest.raises(ScenarioError, match=r"csus\.merger_synergy"):
            with_parameters(changed, {"csus.merger_synergy": 2.0})

    def test_unknown_parameters_are_rejected(self) -> None:
        with pytest.raises(ScenarioError, match=r"unknown scenario parameter 'csus\.nope'"):
            with_parameters(load_scenario("baseline"), {"csus.nope": 1})

    def test_reference_files_live_in_the_service_reference_folder(self) -> None:
        assert SCENARIO_DIR.parts[-3:] == ("market", "reference", "scenarios")
