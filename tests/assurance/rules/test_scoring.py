"""Competency levels from sub-competencies, self/panel flags, metric caps, trajectories."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.assurance.rules.framework import Framework, Scoring
from services.assurance.rules.outcomes import (
    OutcomeProgress,
    Trajectory,
    behind_trajectory_percent,
    choice_problems,
    progress,
    trajectory_problems,
)
from services.assurance.rules.scoring import (
    STRATEGIES,
    SubCompetencyRating,
    apply_metric_caps,
    combine,
    competency_levels,
    difference_flags,
    score_assessment,
)


def _panel(code: str, *levels: int) -> list[SubCompetencyRating]:
    return [SubCompetencyRating(f"{code}.{n}", panel_level=lvl) for n, lvl in enumerate(levels, 1)]


def _with_strategy(framework: Framework, strategy: str, threshold: int = 1) -> Framework:
    scoring = Scoring.model_validate({"strategy": strategy,
                                      "difference_flag_threshold": threshold})
    return framework.model_copy(update={"scoring": scoring})


def _progress(metric: str, target: str, actual: str) -> OutcomeProgress:
    return OutcomeProgress(metric, "2009/10", Decimal(target), Decimal(actual))


class TestCombiningSubCompetencies:
    @pytest.mark.parametrize(
        ("levels", "expected"),
        [
            ((2, 2, 2), 2),
            ((2, 3, 3), 2),  # mean 2.67: floor, a level is a standard reached, not rounded up
            ((3, 3, 4), 3),  # mean 3.33
            ((4, 4, 4), 4),
            ((1, 3, 3), 1),  # mean 2.33 but one criterion not yet demonstrated holds it at 1
            ((1, 4, 4), 1),
            ((2, 2, 4), 2),  # mean 2.67
        ],
    )
    def test_floor_of_mean_unless_level_1(self, levels: tuple[int, ...], expected: int) -> None:
        assert combine(levels, "floor_of_mean_unless_level_1") == expected

    def test_the_other_named_strategies(self) -> None:
        assert combine((1, 3, 3), "floor_of_mean") == 2  # 7 // 3
        assert combine((2, 3, 4), "minimum") == 2
        assert set(STRATEGIES) == {"floor_of_mean", "floor_of_mean_unless_level_1", "minimum"}

    def test_no_level_until_the_panel_rates_all_three(self) -> None:
        assert combine((3, None, 3), "floor_of_mean_unless_level_1") is None

    def test_both_frameworks_name_the_chosen_strategy(
        self, year1: Framework, year2: Framework
    ) -> None:
        assert year1.scoring.strategy == year2.scoring.strategy == "floor_of_mean_unless_level_1"


class TestCompetencyLevels:
    def test_uses_panel_levels_not_self_assessment(self, year1: Framework) -> None:
        ratings = [SubCompetencyRating(f"5.{n}", self_level=4, panel_level=2) for n in (1, 2, 3)]
        levels = competency_levels(year1, ratings)
        assert levels["5"] == 2
        assert competency_levels(year1, ratings, side="self")["5"] == 4

    def test_self_assessment_alone_gives_no_level(self, year1: Framework) -> None:
        ratings = [SubCompetencyRating(f"5.{n}", self_level=3) for n in (1, 2, 3)]
        assert competency_levels(year1, ratings)["5"] is None

    def test_unscored_competency_has_no_level_even_when_rated(
        self, year1: Framework, year2: Framework
    ) -> None:
        ratings = _panel("11", 3, 3, 3)
        assert competency_levels(year1, ratings)["11"] is None
        assert competency_levels(year2, ratings)["11"] == 3

    def test_strategy_comes_from_the_framework_file(self, year1: Framework) -> None:
        ratings = _panel("4", 1, 3, 3)
        assert competency_levels(year1, ratings)["4"] == 1
        assert competency_levels(_with_strategy(year1, "floor_of_mean"), ratings)["4"] == 2

    def test_rejects_unknown_sub_competencies_and_levels(self, year1: Framework) -> None:
        with pytest.raises(ValueError, match=r"no sub-competencies \['12.1'\]"):
            competency_levels(year1, _panel("12", 2))
        with pytest.raises(ValueError, match="outside 1-4"):
            SubCompetencyRating("1.1", panel_level=5)


class TestDifferenceFlags:
    def test_flags_sub_competencies_and_competencies_one_level_apart(
        self, year1: Framework
    ) -> None:
        ratings = [
            SubCompetencyRating("5.1", self_level=3, panel_level=2),
            SubCompetencyRating("5.2", self_level=3, panel_level=2),
            SubCompetencyRating("5.3", self_level=3, panel_level=3),
            SubCompetencyRating("6.1", self_level=1, panel_level=2),
            SubCompetencyRating("6.2", self_level=2, panel_level=2),
        ]
        flags = {(f.code, f.difference, f.direction) for f in difference_flags(year1, ratings)}
        # Competency 5: self [3,3,3] -> 3, panel [2,2,3] -> floor(7/3) = 2: flagged too.
        # Competency 6 has no third rating, so only its sub-competency is compared.
        assert flags == {("5.1", -1, "panel_below_self"), ("5.2", -1, "panel_below_self"),
                         ("6.1", 1, "panel_above_self"), ("5", -1, "panel_below_self")}

    def test_threshold_comes_from_the_framework_file(self, year1: Framework) -> None:
        ratings = [SubCompetencyRating("5.1", self_level=3, panel_level=2),
                   SubCompetencyRating("5.2", self_level=4, panel_level=2)]
        strict = _with_strategy(year1, "floor_of_mean_unless_level_1", threshold=2)
        assert [f.code for f in difference_flags(strict, ratings)] == ["5.2"]


class TestMetricCaps:
    LEVELS = {"5": 3, "6": 3, "7": 3}

    def test_more_than_ten_percent_behind_caps_at_level_2(self, year1: Framework) -> None:
        # smoking_prevention (higher is better, linked to 5): (1000 - 899) / 1000 = 10.1% behind
        levels, caps = apply_metric_caps(year1, self.LEVELS,
                                         [_progress("smoking_prevention", "1000", "899")])
        assert levels == {"5": 2, "6": 3, "7": 3}
        assert [(c.rule_id, c.behind_percent, c.level_before, c.lowered) for c in caps] == [
            ("needs-behind-trajectory", Decimal("10.1"), 3, True)]

    def test_exactly_ten_percent_behind_does_not_cap(self, year1: Framework) -> None:
        levels, caps = apply_metric_caps(year1, self.LEVELS,
                                         [_progress("smoking_prevention", "1000", "900")])
        assert levels == self.LEVELS
        assert caps == []

    def test_lower_is_better_counts_being_above_target_as_behind(self, year1: Framework) -> None:
        # circulatory_deaths (linked to 5 and 6): (88.1 - 80) / 80 = 10.125% behind: both capped
        levels, caps = apply_metric_caps(year1, self.LEVELS,
                                         [_progress("circulatory_deaths", "80", "88.1")])
        assert levels == {"5": 2, "6": 2, "7": 3}
        assert {c.competency for c in caps} == {"5", "6"}
        # 70 is better than the target of 80: ahead, nothing capped
        assert apply_metric_caps(year1, self.LEVELS,
                                 [_progress("circulatory_deaths", "80", "70")])[0] == self.LEVELS

    def test_a_level_already_below_the_cap_is_kept_and_reported(self, year1: Framework) -> None:
        levels, caps = apply_metric_caps(year1, {"5": 1},
                                         [_progress("smoking_prevention", "1000", "500")])
        assert levels == {"5": 1}
        assert [(c.level_before, c.lowered) for c in caps] == [(1, False)]

    def test_unlinked_metrics_do_not_cap(self, year1: Framework) -> None:
        # dental_access is linked to competency 7, which has no cap rule
        levels, caps = apply_metric_caps(year1, self.LEVELS,
                                         [_progress("dental_access", "60", "10")])
        assert (levels, caps) == (self.LEVELS, [])

    def test_a_rule_can_name_its_metrics(self, year2: Framework) -> None:
        # Year 2 caps competency 11 on emergency_bed_days only, beyond 15%
        behind = [_progress("emergency_bed_days", "100", "116")]
        assert apply_metric_caps(year2, {"11": 3}, behind)[0] == {"11": 2}
        on_edge = [_progress("emergency_bed_days", "100", "115")]
        assert apply_metric_caps(year2, {"11": 3}, on_edge)[0] == {"11": 3}

    def test_score_assessment_caps_the_panel_level(self, year1: Framework) -> None:
        score = score_assessment(year1, _panel("5", 3, 3, 4),
                                 [_progress("smoking_prevention", "1000", "850")])
        assert (score.uncapped_levels["5"], score.levels["5"]) == (3, 2)
        assert [c.metric for c in score.caps] == ["smoking_prevention"]


class TestTrajectories:
    TRAJECTORY = Trajectory("teenage_pregnancy", "2008/09", Decimal("45.0"),
                            tuple(Decimal(v) for v in ("43", "41", "39", "37", "35")))

    def test_five_years_after_the_baseline(self) -> None:
        assert self.TRAJECTORY.years() == ("2009/10", "2010/11", "2011/12", "2012/13", "2013/14")
        assert self.TRAJECTORY.target_for("2010/11") == Decimal("41")
        with pytest.raises(KeyError, match="no target for 2014/15"):
            self.TRAJECTORY.target_for("2014/15")

    def test_progress_against_the_year_target(self, year1: Framework) -> None:
        item = progress(self.TRAJECTORY, "2009/10", Decimal("47.3"))
        # lower is better: (47.3 - 43) / 43 = 10.0% behind
        assert behind_trajectory_percent(year1, item).quantize(Decimal("0.1")) == Decimal("10.0")

    def test_a_shortfall_against_a_zero_target_is_infinitely_behind(
        self, year1: Framework
    ) -> None:
        assert behind_trajectory_percent(
            year1, _progress("teenage_pregnancy", "0", "1")) == Decimal("Infinity")
        assert behind_trajectory_percent(year1, _progress("teenage_pregnancy", "0", "0")) == 0

    def test_problems_with_a_trajectory_or_choice(self, year1: Framework) -> None:
        short = Trajectory("teenage_pregnancy", "2008/09", Decimal(45), (Decimal(43),))
        assert trajectory_problems(year1, short) == [
            "teenage_pregnancy: 1 yearly targets, expected 5"]
        assert trajectory_problems(year1, self.TRAJECTORY) == []
        assert choice_problems(year1, ["teenage_pregnancy", "teenage_pregnancy", "x"]) == [
            "unknown outcome metric 'x'", "teenage_pregnancy chosen 2 times"]
