"""The versioned reference files load, say what the domain says, and bad copies are named."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.assurance.rules.framework import (
    Framework,
    framework_for_cycle,
    framework_sha256,
    list_frameworks,
    load_framework,
)
from services.assurance.rules.loading import (
    FRAMEWORKS_DIR,
    REFERENCE_DIR,
    ReferenceDataError,
    read_model_and_digest,
)
from services.assurance.rules.policy import (
    AutonomyRules,
    autonomy_rules_for_cycle,
    autonomy_rules_sha256,
    list_autonomy_rules,
    load_autonomy_rules,
)
from services.assurance.rules.published import load_published_results
from services.assurance.rules.types import Rag

# The SHA-256 of every version already published. A cycle stores the digest of the files it
# opened with and refuses to score against different bytes, so these must never change.
PUBLISHED_VERSIONS = {
    "frameworks/wcc-2008-09.yaml":
        "2b7b12596c6ac1c4d2e78ef180aaf72dbbf0c082aaed488a84baf985d85a058d",
    "frameworks/wcc-2009-10.yaml":
        "6e8a80482a8ab038636201aaaadb8c014aee29eae824e0b188adfd4c34cef541",
    "autonomy-rules-2008-09.yaml":
        "bc10d79a9a6b960d598e7b64abec69f38efb8b09f615c6d7fad1c28fe097fc4b",
    "autonomy-rules-2009-10.yaml":
        "a5ea54fbad11f67db1892068e63ce452db52ad29d5d0b1986a75003a85d2c0d9",
    "published-results-2008-09.yaml":
        "a056392b284bbc0e440d569a6d0c61b61f1c6bb542a7571ce117c694d924c57b",
    "published-results-2009-10.yaml":
        "1720d7fdb8ad9e9ff1f7f43ca039631414557de863a27e91e933da9b548cf0c6",
}

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

    @pytest.mark.parametrize("version_id", ["wcc-2008-09", "wcc-2009-10"])
    def test_level_descriptors(self, version_id: str) -> None:
        # What a front end shows beside each level. The handbook's wording was not available,
        # so every descriptor is a marked placeholder; only level 4's label has a source.
        levels = load_framework(version_id).levels
        assert [(lvl.level, lvl.descriptor) for lvl in levels] == [
            (1, "The competency is not yet demonstrated across the PCT's commissioning."),
            (2, "Parts of the competency are in place; practice is inconsistent."),
            (3, "The competency is demonstrated consistently with measurable effect."),
            (4, "Leading practice that others learn from."),
        ]
        assert all(lvl.illustrative for lvl in levels)
        assert [lvl.sources for lvl in levels] == [(), (), (), ("S10",)]

    @pytest.mark.parametrize("version_id", ["wcc-2008-09", "wcc-2009-10"])
    def test_vital_signs_tiers(self, version_id: str) -> None:
        outcomes = load_framework(version_id).outcomes
        assert [(t.tier, t.name, t.example) for t in outcomes.vital_signs_tiers] == [
            (1, "National must-dos", "18-week waits"),
            (2, "National priorities with local targets", "Childhood obesity"),
            (3, "Menu of possible local priorities", None),
        ]
        tiers = {m.code: (m.catalogue, m.vital_signs_tier) for m in outcomes.metrics}
        assert tiers["rtt_18_weeks"] == ("national", 1)
        assert tiers["childhood_obesity"] == ("national", 2)
        assert tiers["stroke_care"] == ("local_menu", 3)
        # The local menu is tier 3 and the national list tiers 1-2, metric by metric.
        assert {tier for catalogue, tier in tiers.values() if catalogue == "local_menu"} == {3}
        assert {tier for catalogue, tier in tiers.values() if catalogue == "national"} == {1, 2}

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

    def test_year_2_uses_what_was_published_and_marks_the_rest(self) -> None:
        published = load_published_results("published-results-2009-10")
        assert (published.population, published.framework_version) == (152, "wcc-2009-10")
        # S24 (146 of 152 PCTs): board green 61%, finance green just under 43%.
        assert published.governance_counts("board")[Rag.GREEN] == 93
        assert published.governance_counts("finance")[Rag.GREEN] == 65
        assert (published.joint.all_green_percent, published.joint.all_red_count) == (
            Decimal("22.9"), 0)
        # Competency 11, scored for the first time, averaged 1.46.
        c11 = published.competency_counts("11")
        assert round(Decimal(sum(level * n for level, n in c11.items())) / 152, 2) == Decimal(
            "1.46")
        # Nothing else was published: every competency row is tentative, and every governance
        # count but the two greens is marked derived.
        assert all(row.tentative for row in published.competency_levels)
        derived = {row.area: set(row.derived) for row in published.governance}
        assert derived == {"board": {Rag.AMBER, Rag.RED}, "finance": {Rag.AMBER, Rag.RED},
                           "strategy": {Rag.GREEN, Rag.AMBER, Rag.RED}}


class TestPublishedVersionsAreFrozen:
    """A version that a cycle may have opened with is never edited: add a new version instead."""

    @pytest.mark.parametrize("name", sorted(PUBLISHED_VERSIONS))
    def test_a_published_version_keeps_its_bytes(self, name: str) -> None:
        found = hashlib.sha256((REFERENCE_DIR / name).read_bytes()).hexdigest()
        assert found == PUBLISHED_VERSIONS[name], (
            f"services/assurance/reference/{name} changed, but it is a published version: "
            "cycles opened with it store its SHA-256 and now refuse to load. Restore it, and put "
            "the change in a new version file (e.g. a new cycle's) instead.")

    def test_every_reference_file_is_pinned(self) -> None:
        on_file = {str(path.relative_to(REFERENCE_DIR))
                   for path in REFERENCE_DIR.rglob("*.yaml")}
        assert on_file == set(PUBLISHED_VERSIONS), (
            "pin the SHA-256 of each new reference version in PUBLISHED_VERSIONS (and never "
            "edit it afterwards)")

    def test_the_loaders_report_the_digest_of_the_bytes_they_parsed(self) -> None:
        assert framework_sha256("wcc-2008-09") == PUBLISHED_VERSIONS["frameworks/wcc-2008-09.yaml"]
        assert autonomy_rules_sha256("autonomy-rules-2009-10") == PUBLISHED_VERSIONS[
            "autonomy-rules-2009-10.yaml"]

    def test_an_edit_that_changes_no_value_still_changes_the_digest(self, tmp_path: Path) -> None:
        source = FRAMEWORKS_DIR / "wcc-2008-09.yaml"
        copy = tmp_path / "wcc-2008-09.yaml"
        copy.write_bytes(source.read_bytes() + b"# a comment added later\n")
        model, digest = read_model_and_digest(copy, Framework, version_id="wcc-2008-09")
        assert model == load_framework("wcc-2008-09")
        assert digest != PUBLISHED_VERSIONS["frameworks/wcc-2008-09.yaml"]
        assert digest == hashlib.sha256(copy.read_bytes()).hexdigest()
