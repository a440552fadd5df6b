"""Call-off rules: invitations, the framework period, the standstill."""

from __future__ import annotations

from datetime import date

import pytest

from services.procurement.rules.call_off import (
    check_call_off_date,
    check_invitations,
    eligible_suppliers,
    standstill_ends,
)
from services.procurement.rules.framework import Framework, load_framework
from services.procurement.rules.packages import Violation, complete_package


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(1)


class TestEligibleSuppliers:
    def test_hillingdon_could_invite_about_eight_on_the_micro_list(
        self, framework: Framework
    ) -> None:
        # Hillingdon sent its ITT to about 8 micro-list suppliers and chose BUPA [S14].
        for service in ("acute_contract_management", "payment_by_results_implementation"):
            codes = [s.code for s in eligible_suppliers(framework, "micro", (service,))]
            assert len(codes) >= 8
            assert "FESC01" in codes

    def test_end_to_end_only_suppliers_on_that_list_for_every_grouping(
        self, framework: Framework
    ) -> None:
        eligible = eligible_suppliers(framework, "end_to_end", complete_package(framework))
        assert [s.code for s in eligible] == ["FESC01", "FESC02", "FESC03", "FESC04"]


class TestInvitations:
    def test_three_approved_suppliers_may_be_invited(self, framework: Framework) -> None:
        violations = check_invitations(framework, package_type="micro",
                                       services=("acute_contract_management",),
                                       invited=("FESC01", "FESC03", "FESC06"))
        assert violations == []

    def test_fewer_than_the_minimum_is_refused(self, framework: Framework) -> None:
        violations = check_invitations(framework, package_type="micro",
                                       services=("acute_contract_management",),
                                       invited=("FESC01", "FESC03"))
        assert violations == [Violation(
            "invited_supplier_ids",
            "a mini-competition invites at least 3 approved suppliers; 2 given")]

    def test_suppliers_off_the_list_or_the_grouping_are_refused(
        self, framework: Framework
    ) -> None:
        violations = check_invitations(framework, package_type="micro",
                                       services=("public_engagement",),
                                       invited=("FESC02", "FESC05", "FESC99", "FESC01", "FESC01"))
        assert [v.message for v in violations] == [
            "supplier FESC01 is invited twice",
            "FESC02 (Aetna) is not on the micro list",
            "FESC05 (McKinsey & Co (UK)) is not approved for patient_and_public_engagement",
            "unknown supplier FESC99",
        ]


class TestDates:
    def test_a_call_off_within_the_framework_period(self, framework: Framework) -> None:
        assert check_call_off_date(framework, date(2007, 11, 1)) is None
        assert check_call_off_date(framework, date(2010, 12, 31)) is None

    def test_a_call_off_after_the_default_end_date_is_refused(self, framework: Framework) -> None:
        violation = check_call_off_date(framework, date(2011, 1, 1))
        assert violation is not None
        assert violation.message == (
            "the framework runs from 2007-10-05 to 2010-12-31 (unconfirmed end date); "
            "2011-01-01 is outside it")

    def test_the_standstill_is_ten_calendar_days(self, framework: Framework) -> None:
        assert standstill_ends(framework, date(2008, 1, 10)) == date(2008, 1, 20)
