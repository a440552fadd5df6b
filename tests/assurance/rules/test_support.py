"""Support needs: King's Fund form, FESC grouping and package type for each gap."""

from __future__ import annotations

import pytest

from services.assurance.rules.framework import Framework
from services.assurance.rules.support import support_needs
from shared.events.contracts.assurance import SupportNeedIdentified

# Year 1, target level 3: competencies 5 and 6 (assessment and planning) and 7 (contracting
# and procurement) are below target; everything else is at 3.
LEVELS: dict[str, int | None] = {str(n): 3 for n in range(1, 11)}
LEVELS.update({"5": 2, "6": 1, "7": 2})


class TestSupportNeeds:
    def test_gaps_below_the_framework_target(self, year1: Framework) -> None:
        needs = support_needs(year1, LEVELS)
        assert [(n.competency, n.level, n.support_form, n.grouping, n.package_type)
                for n in needs] == [
            ("5", 2, "analytical_tools", "assessment_and_planning", "macro"),
            ("6", 1, "analytical_tools", "assessment_and_planning", "macro"),
            ("7", 2, "strategy_development", "contracting_and_procurement", "micro"),
        ]
        assert {n.target_level for n in needs} == {3}
        assert needs[0].competency_name == "Manage knowledge and assess needs"

    def test_one_gap_in_a_grouping_is_micro(self, year1: Framework) -> None:
        needs = support_needs(year1, {**LEVELS, "6": 3})
        assert [(n.competency, n.package_type) for n in needs] == [("5", "micro"), ("7", "micro")]

    def test_target_is_configurable(self, year1: Framework) -> None:
        needs = support_needs(year1, LEVELS, target_level=4)
        assert [n.competency for n in needs] == [str(n) for n in range(1, 11)]
        assert support_needs(year1, LEVELS, target_level=1) == []
        with pytest.raises(ValueError, match="outside 1-4"):
            support_needs(year1, LEVELS, target_level=5)

    def test_unscored_and_unrated_competencies_are_not_needs(
        self, year1: Framework, year2: Framework
    ) -> None:
        levels = {**LEVELS, "11": 1, "5": None}
        assert [n.competency for n in support_needs(year1, levels)] == ["6", "7"]
        assert [n.competency for n in support_needs(year2, levels)] == ["6", "7", "11"]

    def test_panel_below_a_confident_self_assessment_is_an_evidence_gap(
        self, year1: Framework
    ) -> None:
        needs = support_needs(year1, LEVELS, self_levels={"7": 3, "5": 2})
        forms = {n.competency: (n.support_form, n.evidence_gap) for n in needs}
        assert forms["7"] == ("assurance_presentation_advice", True)
        assert forms["5"] == ("analytical_tools", False)

    def test_a_need_fits_the_identified_event(self, year1: Framework) -> None:
        need = support_needs(year1, LEVELS)[0]
        event = SupportNeedIdentified(
            support_need_id="n1", assessment_id="a1", pct_id="P001", sha_id="S01",
            competency=need.competency, competency_name=need.competency_name, level=need.level,
            target_level=need.target_level, support_form=need.support_form,
            grouping=need.grouping, package_type=need.package_type)
        assert event.grouping == "assessment_and_planning"
