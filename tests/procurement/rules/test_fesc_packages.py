"""Package rules: micro, macro (function / service area) and end-to-end."""

from __future__ import annotations

import pytest

from services.procurement.rules.framework import Framework, load_framework
from services.procurement.rules.packages import (
    PackageRequest,
    Violation,
    complete_package,
    groupings_of,
    is_whole_function,
    validate_package,
)

JUSTIFICATION = (
    "The PCT's board has resigned after a failed fitness-for-purpose review and the SHA has "
    "asked for the whole commissioning function to be supported while a new team is appointed."
)


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework(1)


class TestMicro:
    def test_one_service_is_valid(self, framework: Framework) -> None:
        request = PackageRequest("micro", ("social_marketing",))
        assert validate_package(framework, request) == []

    def test_two_services_are_refused_with_the_reason(self, framework: Framework) -> None:
        request = PackageRequest("micro", ("acute_contract_management",
                                           "payment_by_results_implementation"))
        assert validate_package(framework, request) == [
            Violation("services", "a micro package covers exactly one service; 2 given")]

    def test_macro_fields_are_refused(self, framework: Framework) -> None:
        request = PackageRequest("micro", ("social_marketing",), macro_kind="function")
        assert validate_package(framework, request) == [
            Violation("macro_kind", "macro_kind does not apply to a micro package")]


class TestFunctionMacro:
    def test_related_services_of_one_grouping_are_valid(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("acute_contract_management", "provider_procurement"),
                                 macro_kind="function")
        assert validate_package(framework, request) == []
        assert not is_whole_function(framework, request.services)

    def test_a_whole_function_is_valid(self, framework: Framework) -> None:
        services = framework.service_codes("assessment_and_planning")
        request = PackageRequest("macro", services, macro_kind="function")
        assert validate_package(framework, request) == []
        assert is_whole_function(framework, services)

    def test_services_across_groupings_are_refused(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("needs_assessment", "social_marketing"),
                                 macro_kind="function")
        assert validate_package(framework, request) == [Violation(
            "services", "a function macro covers related services of one grouping; these span "
                        "assessment_and_planning, patient_and_public_engagement")]

    def test_a_single_service_is_not_a_macro(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("needs_assessment",), macro_kind="function")
        assert validate_package(framework, request) == [Violation(
            "services", "a macro package covers more than one related service; 1 given")]

    def test_the_kind_is_required(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("needs_assessment", "demand_modelling"))
        [violation] = validate_package(framework, request)
        assert violation.field == "macro_kind"
        assert "'function'" in violation.message and "'service_area'" in violation.message


class TestServiceAreaMacro:
    def test_one_service_area_across_groupings_is_valid(self, framework: Framework) -> None:
        request = PackageRequest(
            "macro", ("needs_assessment", "provider_procurement", "provider_performance_monitoring",
                      "public_engagement"),
            macro_kind="service_area", service_area="mental_health")
        assert validate_package(framework, request) == []
        assert len(groupings_of(framework, request.services)) == 4

    def test_the_service_area_is_required(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("needs_assessment", "provider_procurement"),
                                 macro_kind="service_area")
        assert validate_package(framework, request) == [
            Violation("service_area", "a service-area macro names its service area")]

    def test_an_unknown_service_area_is_refused(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("needs_assessment", "provider_procurement"),
                                 macro_kind="service_area", service_area="dentistry")
        [violation] = validate_package(framework, request)
        assert violation.field == "service_area"
        assert violation.message.startswith("unknown service area 'dentistry'; known: ")

    def test_the_complete_package_is_not_a_macro(self, framework: Framework) -> None:
        request = PackageRequest("macro", complete_package(framework),
                                 macro_kind="service_area", service_area="mental_health")
        assert validate_package(framework, request) == [Violation(
            "package_type",
            "these services are every service of every grouping: that is an end-to-end package")]


class TestEndToEnd:
    def test_the_complete_package_with_a_justification_is_valid(
        self, framework: Framework
    ) -> None:
        request = PackageRequest("end_to_end", complete_package(framework),
                                 justification=JUSTIFICATION)
        assert validate_package(framework, request) == []

    @pytest.mark.parametrize(("justification", "given"), [(None, 0), ("   ", 0),
                                                           ("Capacity gap.", 13)])
    def test_needs_the_exceptional_circumstances_set_out(
        self, framework: Framework, justification: str | None, given: int
    ) -> None:
        request = PackageRequest("end_to_end", complete_package(framework),
                                 justification=justification)
        assert validate_package(framework, request) == [Violation(
            "justification",
            "an end-to-end package is allowed only in exceptional circumstances, which the "
            f"request must set out in at least 100 characters; {given} given")]

    def test_every_service_of_every_grouping_is_required(self, framework: Framework) -> None:
        services = tuple(c for c in complete_package(framework)
                         if c not in ("social_marketing", "it_support"))
        request = PackageRequest("end_to_end", services)
        violations = validate_package(framework, request)
        assert [v.field for v in violations] == ["services", "justification"]
        assert violations[0].message == (
            "an end-to-end package covers every service of every grouping; "
            "missing: it_support, social_marketing")


class TestRequestShape:
    def test_unknown_package_type(self, framework: Framework) -> None:
        assert validate_package(framework, PackageRequest("mega", ("it_support",))) == [
            Violation("package_type",
                      "unknown package type 'mega'; expected micro, macro, end_to_end")]

    def test_unknown_and_repeated_services(self, framework: Framework) -> None:
        request = PackageRequest("macro", ("it_support", "it_support", "astrology"),
                                 macro_kind="function")
        assert validate_package(framework, request) == [
            Violation("services", "unknown service 'astrology'"),
            Violation("services", "service 'it_support' is listed 2 times"),
        ]

    def test_no_services(self, framework: Framework) -> None:
        assert validate_package(framework, PackageRequest("micro", ())) == [
            Violation("services", "a package covers at least one service; none given")]
