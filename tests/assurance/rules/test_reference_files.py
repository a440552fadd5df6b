"""The versioned reference files load, say what the domain says, and bad copies are named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.assurance.rules.framework import (
    Framework,
    framework_for_cycle,
    list_frameworks,
    load_framework,
)
from services.assurance.rules.loading import FRAMEWORKS_DIR, REFERENCE_DIR, ReferenceDataError
from services.assurance.rules.policy import (
    AutonomyRules,
    autonomy_rules_for_cycle,
    list_autonomy_rules,
    load_autonomy_rules,
)
from services.assurance.rules.published import load_published_results
from services.assurance.rules.types import Rag

SHORT_NAMES = [
    "Locally lead the NHS", "Work with community partners", "Engage with public and patients",
    "Collaborate with clinicians", "Manage knowledge and assess needs", "Prioritise investment",
    "Stimulate the market", "Promote improvement and innovation", "Secure procurement skills",
    "Manage the local health system", "Make sound financial investments",
]


def _copy(source: Path, directory: Path, name: str, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    (directory / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def _broken_framework(tmp_path: Path, change: Callable[[Any], None]) -> str:
    _copy(FRAMEWORKS_DIR / "wcc-2008-09.yaml", tmp_path, "wcc-2008-09", change)
    with pytest.raises(ReferenceDataError) as caught:
        load_framework("wcc-2008-09", tmp_path)
    assert caught.value.path == tmp_path / "wcc-2008-09.yaml"
    return str(caught.value)


class TestFrameworksLoad:
    def test_both_cycles_are_on_file_in_order(self) -> None:
        assert [(f.version_id, f.cycle.year) for f in list_frameworks()] == [
            ("wcc-2008-09", "2008/09"), ("wcc-2009-10", "2009/10")
        ]
        assert framework_for_cycle("2009-10").version_id == "wcc-2009-10"

    @pytest.mark.parametrize("version_id", ["wcc-2008-09", "wcc-2009-10"])
    def test_eleven_competencies_with_three_sub_competencies(self, version_id: str) -> None:
        framework = load_framework(version_id)
        assert [c.short_name for c in framework.competencies] == SHORT_NAMES
        for competency in framework.competencies:
            codes = [sub.code for sub in competency.sub_competencies]
            assert codes == [f"{competency.code}.{n}" for n in (1, 2, 3)]
            # The handbook texts are not available: every title is a marked placeholder.
            assert all(sub.illustrative for sub in competency.sub_competencies)

    def test_only_level_4_is_a_confirmed_label(self, year1: Framework) -> None:
        assert [(lvl.level, lvl.label, lvl.confirmed) for lvl in year1.levels] == [
            (1, "Below expected / not yet demonstrated", False),
            (2, "Developing", False),
            (3, "Good / strong", False),
            (4, "World class", True),
        ]

    def test_year_1_does_not_score_competency_11(self, year1: Framework) -> None:
        assert year1.scored_competencies == tuple(str(n) for n in range(1, 11))
        finance = next(a for a in year1.governance.areas if a.code == "finance")
        assert finance.includes_competencies == ("11",)

    def test_year_2_scores_competency_11(self, year2: Framework) -> None:
        assert year2.scored_competencies == tuple(str(n) for n in range(1, 12))
        assert "efficiency" in year2.competency("11").description

    def test_finance_aspects_are_sourced(self, year1: Framework, year2: Framework) -> None:
        for framework in (year1, year2):
            finance = next(a for a in framework.governance.areas if a.code == "finance")
            sourced = [s.code for s in finance.sub_indicators if not s.illustrative]
            assert sourced == ["finance.sustainability", "finance.management",
                               "finance.planning_accuracy"]

    def test_year_2_has_sixteen_sub_indicators(self, year2: Framework) -> None:
        areas = {a.code: len(a.sub_indicators) for a in year2.governance.areas}
        assert sum(areas.values()) == 16
        assert areas == {"strategy": 6, "finance": 5, "board": 5}

    def test_popular_year_1_outcomes_are_on_the_national_list(self, year1: Framework) -> None:
        popular = {m.code for m in year1.outcomes.metrics if m.popular_year_1}
        assert popular == {"smoking_prevention", "alcohol_admissions", "circulatory_deaths",
                           "deaths_at_home", "teenage_pregnancy"}
        assert all(year1.outcomes.metric(c).catalogue == "national" for c in popular)
        assert year1.outcomes.choices_per_pct == 10
        assert year1.outcomes.trajectory_years == 5

    def test_every_competency_maps_to_a_support_form_and_grouping(self, year2: Framework) -> None:
        assert year2.support_for("9").grouping == "contracting_and_procurement"
        assert year2.support_for("5").form == "analytical_tools"
        assert year2.support_for("3").grouping == "patient_and_public_engagement"


class TestBrokenFrameworkFiles:
    def test_names_a_competency_with_two_sub_competencies(self, tmp_path: Path) -> None:
        message = _broken_framework(
            tmp_path, lambda d: d["competencies"][2]["sub_competencies"].pop())
        assert "wcc-2008-09.yaml" in message
        assert "competencies[2 code=3]: sub_competencies: expected exactly" in message

    def test_names_a_level_outside_one_to_four(self, tmp_path: Path) -> None:
        def add_level_5(data: Any) -> None:
            data["levels"].append({"level": 5, "label": "Beyond", "confirmed": False,
                                   "descriptor": "x"})

        message = _broken_framework(tmp_path, add_level_5)
        assert "levels[4 level=5].level: Input should be less than or equal to 4" in message

    def test_names_a_repeated_competency_code(self, tmp_path: Path) -> None:
        def repeat_competency_3(data: Any) -> None:
            data["competencies"][3] = data["competencies"][2]

        message = _broken_framework(tmp_path, repeat_competency_3)
        assert "competencies: codes must run 1..n in order without gaps or repeats" in message

    def test_names_an_unknown_field(self, tmp_path: Path) -> None:
        message = _broken_framework(tmp_path, lambda d: d["competencies"][0].update(colour="x"))
        assert "competencies[0 code=1].colour: Extra inputs are not permitted" in message

    def test_names_a_cap_on_an_unscored_competency(self, tmp_path: Path) -> None:
        message = _broken_framework(tmp_path, lambda d: d["metric_caps"][0].update(competency="11"))
        assert "metric_caps.needs-behind-trajectory: competency 11 is not scored" in message

    def test_names_a_competency_without_support_mapping(self, tmp_path: Path) -> None:
        message = _broken_framework(tmp_path, lambda d: d["support"]["competencies"].pop())
        assert "support.competencies: must map each competency once" in message

    def test_names_a_cited_source_missing_from_the_list(self, tmp_path: Path) -> None:
        message = _broken_framework(tmp_path, lambda d: d["sources"].pop(0))
        assert "sources: S8 is cited but not listed" in message

    def test_the_version_id_must_match_the_file_name(self, tmp_path: Path) -> None:
        _copy(FRAMEWORKS_DIR / "wcc-2009-10.yaml", tmp_path, "wcc-2010-11", lambda d: None)
        with pytest.raises(ReferenceDataError, match="version_id: 'wcc-2009-10' does not match"):
            load_framework("wcc-2010-11", tmp_path)

    @pytest.mark.parametrize("version_id", ["../autonomy-rules-2008-09", "WCC", "wcc-1999-00"])
    def test_refuses_bad_or_unknown_version_ids(self, version_id: str) -> None:
        with pytest.raises(ReferenceDataError, match=r"not a valid version id|file not found"):
            load_framework(version_id)


class TestAutonomyRuleFiles:
    def test_one_rule_set_per_cycle(self) -> None:
        assert [(r.version_id, r.framework_version) for r in list_autonomy_rules()] == [
            ("autonomy-rules-2008-09", "wcc-2008-09"), ("autonomy-rules-2009-10", "wcc-2009-10")
        ]
        assert autonomy_rules_for_cycle("2008-09").version_id == "autonomy-rules-2008-09"

    def test_tiers_and_freedoms(self, rules1: AutonomyRules) -> None:
        freedoms = {t.code: t.freedoms for t in rules1.tiers}
        assert list(freedoms) == ["in_difficulty", "good_standing", "earned_autonomy",
                                  "full_autonomy"]
        assert [f.review_frequency_months for f in freedoms.values()] == [1, 3, 6, 12]
        assert freedoms["in_difficulty"].financial_autonomy_threshold_pence is None
        assert freedoms["good_standing"].financial_autonomy_threshold_pence == 25_000_000
        assert [f.joint_ventures_without_doh_permission for f in freedoms.values()] == [
            False, False, True, True]
        assert rules1.validity.max_months == 15

    def _broken(self, tmp_path: Path, change: Callable[[Any], None]) -> str:
        _copy(REFERENCE_DIR / "autonomy-rules-2008-09.yaml", tmp_path, "autonomy-rules-2008-09",
              change)
        with pytest.raises(ReferenceDataError) as caught:
            load_autonomy_rules("autonomy-rules-2008-09", tmp_path)
        return str(caught.value)

    def test_the_lowest_tier_must_take_everyone(self, tmp_path: Path) -> None:
        message = self._broken(
            tmp_path, lambda d: d["tiers"][0]["criteria"].update(max_red_areas=1))
        assert "tiers.in_difficulty: the first tier takes everyone else" in message

    def test_a_higher_tier_cannot_be_reviewed_more_often(self, tmp_path: Path) -> None:
        message = self._broken(
            tmp_path, lambda d: d["tiers"][3]["freedoms"].update(review_frequency_months=2))
        assert "tiers.full_autonomy: grants less than earned_autonomy" in message

    def test_every_revocation_reason_needs_a_rule(self, tmp_path: Path) -> None:
        message = self._broken(tmp_path, lambda d: d["revocation"].pop())
        assert "revocation: each of" in message

    def test_a_count_beyond_the_scored_competencies_is_named(self, tmp_path: Path) -> None:
        def ask_for_eleven(data: Any) -> None:
            data["tiers"][2]["criteria"]["min_competencies_at_or_above"]["count"] = 11

        message = self._broken(tmp_path, ask_for_eleven)
        assert ("tiers.earned_autonomy.criteria.min_competencies_at_or_above: count 11 but "
                "wcc-2008-09 scores only 10 competencies") in message


class TestPublishedResults:
    def test_year_1_distributions(self) -> None:
        published = load_published_results("published-results-2008-09")
        assert published.population == 152
        assert published.competency_counts("7") == {1: 135, 2: 17, 3: 0, 4: 0}
        assert published.governance_counts("strategy") == {Rag.GREEN: 45, Rag.AMBER: 90,
                                                           Rag.RED: 17}
        assert sum(published.governance_counts(a)[Rag.RED] for a in ("strategy", "finance",
                                                                      "board")) == 33
        tentative = [r.competency for r in published.competency_levels if r.tentative]
        assert tentative == ["8", "9", "10"]
        # No PCT reached level 4 anywhere, and there were 37 level-3 ratings in all.
        assert sum(r.counts[4] for r in published.competency_levels) == 0
        assert sum(r.counts[3] for r in published.competency_levels) == 37

    def test_a_row_that_does_not_add_up_is_named(self, tmp_path: Path) -> None:
        _copy(REFERENCE_DIR / "published-results-2008-09.yaml", tmp_path,
              "published-results-2008-09",
              lambda d: d["competency_levels"][0]["counts"].update({1: 9}))
        with pytest.raises(ReferenceDataError,
                           match=r"population is 152 but competency_levels\.1 adds up to 153"):
            load_published_results("published-results-2008-09", tmp_path)
