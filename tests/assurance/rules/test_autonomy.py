"""Earned autonomy: every tier boundary just in and just out, validity, revocation, oversight."""

from __future__ import annotations

from datetime import date

import pytest

from services.assurance.rules.autonomy import (
    CycleDates,
    Decision,
    RevocationError,
    add_months,
    evaluate,
    grounds_for_revocation,
    oversight_schedule,
    revoke,
)
from services.assurance.rules.framework import Framework
from services.assurance.rules.policy import AutonomyRules
from services.assurance.rules.types import IncompleteResultError, PctResult, Rag
from shared.events.contracts.assurance import AutonomyGranted, AutonomyRevoked

from .builders import make_result

YEAR_1 = CycleDates(published_on=date(2009, 3, 31), next_publication_on=date(2010, 3, 31))


def _tier(rules: AutonomyRules, framework: Framework, result: PctResult, **kw: bool) -> str:
    return evaluate(rules, framework, result, YEAR_1, **kw).tier


class TestGoodStanding:
    """No governance area red, no competency below level 2, not in financial recovery."""

    def test_just_in(self, rules1: AutonomyRules, year1: Framework) -> None:
        assert _tier(rules1, year1, make_result("P", "AAA", [2] * 10)) == "good_standing"

    def test_one_competency_at_level_1_is_out(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        assert _tier(rules1, year1, make_result("P", "GGG", [2] * 9 + [1])) == "in_difficulty"

    def test_one_red_area_is_out(self, rules1: AutonomyRules, year1: Framework) -> None:
        assert _tier(rules1, year1, make_result("P", "GGR", [3] * 10)) == "in_difficulty"

    def test_financial_recovery_is_out(self, rules1: AutonomyRules, year1: Framework) -> None:
        result = make_result("P", "AAA", [2] * 10)
        assert _tier(rules1, year1, result, in_financial_recovery=True) == "in_difficulty"

    def test_year_2_counts_competency_11_and_year_1_does_not(
        self, rules1: AutonomyRules, rules2: AutonomyRules, year1: Framework, year2: Framework
    ) -> None:
        result = make_result("P", "AAA", [2] * 10 + [1])
        assert _tier(rules1, year1, result) == "good_standing"
        assert _tier(rules2, year2, result) == "in_difficulty"


class TestEarnedAutonomy:
    """All three areas green, no competency below 2, at least 6 competencies at 3 or above."""

    def test_just_in(self, rules1: AutonomyRules, year1: Framework) -> None:
        result = make_result("P", "GGG", [3] * 6 + [2] * 4)
        assert _tier(rules1, year1, result) == "earned_autonomy"

    def test_five_at_level_3_is_out(self, rules1: AutonomyRules, year1: Framework) -> None:
        result = make_result("P", "GGG", [3] * 5 + [2] * 5)
        assert _tier(rules1, year1, result) == "good_standing"

    def test_one_amber_area_is_out(self, rules1: AutonomyRules, year1: Framework) -> None:
        result = make_result("P", "GGA", [3] * 6 + [2] * 4)
        assert _tier(rules1, year1, result) == "good_standing"

    def test_one_competency_at_level_1_is_out(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        result = make_result("P", "GGG", [3] * 6 + [2] * 3 + [1])
        assert _tier(rules1, year1, result) == "in_difficulty"

    def test_year_2_needs_six_of_eleven(self, rules2: AutonomyRules, year2: Framework) -> None:
        assert _tier(rules2, year2, make_result("P", "GGG", [3] * 6 + [2] * 5)) == (
            "earned_autonomy")
        assert _tier(rules2, year2, make_result("P", "GGG", [3] * 5 + [2] * 6)) == (
            "good_standing")


class TestFullAutonomy:
    """All green, no competency below 3, at least 6 competencies at level 4."""

    def test_just_in(self, rules1: AutonomyRules, year1: Framework) -> None:
        result = make_result("P", "GGG", [4] * 6 + [3] * 4)
        decision = evaluate(rules1, year1, result, YEAR_1)
        assert decision.tier == "full_autonomy"
        assert decision.freedoms.review_frequency_months == 12
        assert decision.freedoms.joint_ventures_without_doh_permission is True

    def test_five_at_level_4_is_out(self, rules1: AutonomyRules, year1: Framework) -> None:
        result = make_result("P", "GGG", [4] * 5 + [3] * 5)
        assert _tier(rules1, year1, result) == "earned_autonomy"

    def test_one_competency_at_level_2_is_out(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        result = make_result("P", "GGG", [4] * 6 + [3] * 3 + [2])
        assert _tier(rules1, year1, result) == "earned_autonomy"

    def test_financial_recovery_takes_everything(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        result = make_result("P", "GGG", [4] * 10)
        assert _tier(rules1, year1, result, in_financial_recovery=True) == "in_difficulty"


class TestReasons:
    def test_every_criterion_checked_on_the_way_down(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        result = make_result("P", "GGG", [3] * 6 + [2] * 4)
        assert evaluate(rules1, year1, result, YEAR_1).reasons == (
            "full_autonomy: all 3 governance areas green (not green: none): met",
            "full_autonomy: no scored competency below level 3 (below: 7, 8, 9, 10): not met",
            "full_autonomy: at least 6 of 10 scored competencies at level 4 or above (found 0): "
            "not met",
            "full_autonomy: not in financial recovery: met",
            "earned_autonomy: all 3 governance areas green (not green: none): met",
            "earned_autonomy: no scored competency below level 2 (below: none): met",
            "earned_autonomy: at least 6 of 10 scored competencies at level 3 or above "
            "(found 6): met",
            "earned_autonomy: not in financial recovery: met",
        )

    def test_in_difficulty_says_why_good_standing_failed(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        reasons = evaluate(rules1, year1, make_result("P", "RAG", [2] * 10), YEAR_1).reasons
        assert reasons[-4:] == (
            "good_standing: no governance area red (red: strategy): not met",
            "good_standing: no scored competency below level 2 (below: none): met",
            "good_standing: not in financial recovery: met",
            "in_difficulty: no higher tier has every criterion met",
        )

    def test_refuses_an_unrated_result_or_the_wrong_cycle(
        self, rules1: AutonomyRules, rules2: AutonomyRules, year1: Framework
    ) -> None:
        no_board = PctResult("P", "S01", {str(n): 2 for n in range(1, 11)},
                             {"strategy": Rag.GREEN, "finance": Rag.GREEN})
        with pytest.raises(IncompleteResultError, match="not rated: governance board"):
            evaluate(rules1, year1, no_board, YEAR_1)
        with pytest.raises(ValueError, match="applies to wcc-2009-10"):
            evaluate(rules2, year1, make_result("P", "GGG", [2] * 10), YEAR_1)

    def test_decision_fits_the_granted_event(self, rules1: AutonomyRules, year1: Framework) -> None:
        decision = evaluate(rules1, year1, make_result("P001", "AAA", [2] * 10), YEAR_1)
        event = AutonomyGranted.model_validate({
            "decision_id": "d1", "pct_id": decision.pct_id, "sha_id": decision.sha_id,
            "cycle_id": decision.cycle_id, "tier": decision.tier,
            "freedoms": decision.freedoms.model_dump(), "reasons": list(decision.reasons),
            "valid_from": decision.valid_from, "valid_to": decision.valid_to})
        assert event.freedoms.financial_autonomy_threshold_pence == 25_000_000


class TestValidity:
    def test_until_the_day_before_the_next_publication(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        decision = evaluate(rules1, year1, make_result("P", "AAA", [2] * 10), YEAR_1)
        assert (decision.valid_from, decision.valid_to) == (date(2009, 3, 31), date(2010, 3, 30))

    def test_at_most_fifteen_months_when_no_cycle_follows(
        self, rules2: AutonomyRules, year2: Framework
    ) -> None:
        # There was no WCC assurance in 2010/11: 31 Mar 2010 + 15 months ends 30 Jun 2011.
        dates = CycleDates(published_on=date(2010, 3, 31))
        decision = evaluate(rules2, year2, make_result("P", "AAA", [2] * 11), dates)
        assert decision.valid_to == date(2011, 6, 30)
        late = CycleDates(date(2010, 3, 31), next_publication_on=date(2011, 9, 1))
        assert evaluate(rules2, year2, make_result("P", "AAA", [2] * 11), late).valid_to == (
            date(2011, 6, 30))
        mid_month = CycleDates(date(2010, 3, 15))
        assert evaluate(rules2, year2, make_result("P", "AAA", [2] * 11), mid_month).valid_to == (
            date(2011, 6, 14))

    def test_next_publication_must_come_later(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        with pytest.raises(ValueError, match="must come after"):
            evaluate(rules1, year1, make_result("P", "AAA", [2] * 10),
                     CycleDates(date(2009, 3, 31), date(2009, 3, 31)))

    def test_add_months_keeps_to_the_end_of_short_months(self) -> None:
        assert add_months(date(2009, 1, 31), 1) == date(2009, 2, 28)
        assert add_months(date(2008, 2, 29), 12) == date(2009, 2, 28)
        assert add_months(date(2009, 11, 30), 3) == date(2010, 2, 28)


def _decision(rules: AutonomyRules, framework: Framework, governance: str, levels: list[int]
              ) -> Decision:
    return evaluate(rules, framework, make_result("P001", governance, levels), YEAR_1)


class TestRevocation:
    def test_red_governance_drops_earned_autonomy_to_in_difficulty(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        earned = _decision(rules1, year1, "GGG", [3] * 6 + [2] * 4)
        revocation = revoke(rules1, earned, reason="red_governance", on=date(2009, 7, 15),
                            note="board rated red at in-year review")
        assert (revocation.from_tier, revocation.to_tier) == ("earned_autonomy", "in_difficulty")
        replacement = revocation.replacement
        assert replacement.freedoms.review_frequency_months == 1
        assert replacement.freedoms.joint_ventures_without_doh_permission is False
        assert (replacement.valid_from, replacement.valid_to) == (date(2009, 7, 15),
                                                                  date(2010, 3, 30))
        assert replacement.reasons[-1] == (
            "revoked on 2009-07-15 (red_governance: board rated red at in-year review)")
        assert revocation.ended.valid_to == date(2009, 7, 14)
        AutonomyRevoked(decision_id="d1", pct_id=revocation.pct_id, sha_id="S01",
                        reason=revocation.reason, note=revocation.note,
                        revoked_on=revocation.revoked_on)

    def test_missed_trajectory_drops_one_tier(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        earned = _decision(rules1, year1, "GGG", [3] * 6 + [2] * 4)
        revocation = revoke(rules1, earned, reason="missed_trajectory", on=date(2009, 10, 1))
        assert revocation.to_tier == "good_standing"
        assert revocation.replacement.freedoms.review_frequency_months == 3

    def test_nothing_to_take_from_a_pct_in_difficulty(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        in_difficulty = _decision(rules1, year1, "RRR", [1] * 10)
        with pytest.raises(RevocationError, match="nothing to take away"):
            revoke(rules1, in_difficulty, reason="other", on=date(2009, 6, 1))

    @pytest.mark.parametrize("on", [date(2009, 3, 31), date(2010, 3, 31)])
    def test_only_while_the_decision_holds(
        self, rules1: AutonomyRules, year1: Framework, on: date
    ) -> None:
        standing = _decision(rules1, year1, "AAA", [2] * 10)
        with pytest.raises(RevocationError, match="is not after the decision took effect"):
            revoke(rules1, standing, reason="financial_recovery", on=on)

    def test_grounds_from_in_year_facts(self, rules1: AutonomyRules, year1: Framework) -> None:
        standing = _decision(rules1, year1, "AAA", [2] * 10)
        amber = {"strategy": Rag.AMBER, "finance": Rag.AMBER, "board": Rag.AMBER}
        assert grounds_for_revocation(rules1, standing, governance=amber) == []
        red = {**amber, "finance": Rag.RED}
        assert grounds_for_revocation(
            rules1, standing, governance=red, in_financial_recovery=True,
            missed_trajectories=["teenage_pregnancy"],
        ) == ["financial_recovery", "red_governance", "missed_trajectory"]
        in_difficulty = _decision(rules1, year1, "RRR", [1] * 10)
        assert grounds_for_revocation(rules1, in_difficulty, governance=red) == []


class TestOversightSchedule:
    def test_reviews_follow_each_tiers_frequency(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        monthly = evaluate(rules1, year1, make_result("P1", "RRR", [1] * 10), YEAR_1)
        quarterly = evaluate(rules1, year1, make_result("P2", "AAA", [2] * 10), YEAR_1)
        half_yearly = evaluate(rules1, year1, make_result("P3", "GGG", [3] * 10), YEAR_1)
        reviews = oversight_schedule([monthly, quarterly, half_yearly], date(2009, 12, 1))
        by_pct = {pct: [r.review_on for r in reviews if r.pct_id == pct] for pct in
                  ("P1", "P2", "P3")}
        # Anchored on 31 Mar 2009, up to 30 Mar 2010 (the next publication closes the window)
        assert by_pct["P1"] == [date(2009, 12, 31), date(2010, 1, 31), date(2010, 2, 28)]
        assert by_pct["P2"] == [date(2009, 12, 31)]
        assert by_pct["P3"] == []  # 30 Sep 2009 is past; 31 Mar 2010 is outside the decision
        assert [r.review_on for r in reviews] == sorted(r.review_on for r in reviews)

    def test_a_revoked_pct_is_reviewed_monthly_from_the_revocation(
        self, rules1: AutonomyRules, year1: Framework
    ) -> None:
        standing = evaluate(rules1, year1, make_result("P1", "AAA", [2] * 10), YEAR_1)
        revocation = revoke(rules1, standing, reason="financial_recovery", on=date(2009, 8, 10))
        reviews = oversight_schedule([revocation.ended, revocation.replacement], date(2009, 6, 1))
        assert [(r.review_on, r.tier) for r in reviews][:4] == [
            (date(2009, 6, 30), "good_standing"),
            (date(2009, 9, 10), "in_difficulty"),
            (date(2009, 10, 10), "in_difficulty"),
            (date(2009, 11, 10), "in_difficulty"),
        ]
