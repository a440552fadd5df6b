"""Package rules: is a request's package a valid micro, macro or end-to-end package?

`validate_package` returns every violation at once as (field, message) pairs, so the API can
answer 422 and say why ("a micro package covers exactly one service; 2 given"). An empty list
means the package is valid. The rules [S1, S4, S14]:
- micro: exactly one service;
- macro: more than one related service, either in one grouping (macro_kind "function"; all of a
  grouping's services make a whole function) or in one service area across groupings
  (macro_kind "service_area", e.g. all mental health commissioning); a macro may not cover the
  complete package, which is end-to-end by another name;
- end-to-end: every service of every grouping, only in exceptional circumstances, which the
  request must set out (a justification of at least the configured length).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.procurement.rules.framework import PACKAGE_TYPES, Framework


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason a request is refused: the request field at fault and a sentence saying why."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class PackageRequest:
    """The package part of a procurement request, as the PCT submitted it (codes unchecked)."""

    package_type: str
    services: tuple[str, ...]
    macro_kind: str | None = None
    service_area: str | None = None
    justification: str | None = None


def groupings_of(framework: Framework, services: Iterable[str]) -> tuple[str, ...]:
    """The groupings the known services fall in, in framework order."""
    wanted = {framework.grouping_of(code) for code in services}
    return tuple(g.code for g in framework.groupings if g.code in wanted)


def complete_package(framework: Framework) -> tuple[str, ...]:
    """Every service of every grouping: what an end-to-end package covers."""
    return framework.service_codes()


def is_whole_function(framework: Framework, services: Iterable[str]) -> bool:
    """True when the services are exactly all the services of one grouping."""
    chosen = set(services)
    groupings = groupings_of(framework, chosen)
    return len(groupings) == 1 and chosen == set(framework.service_codes(groupings[0]))


def validate_package(framework: Framework, request: PackageRequest) -> list[Violation]:
    """Every reason the request's package is not a valid FESC package (empty when valid)."""
    if request.package_type not in PACKAGE_TYPES:
        expected = ", ".join(PACKAGE_TYPES)
        return [Violation("package_type",
                          f"unknown package type '{request.package_type}'; expected {expected}")]
    violations = _service_violations(framework, request.services)
    if violations:
        return violations
    if request.package_type == "micro":
        return _micro_violations(request)
    if request.package_type == "macro":
        return _macro_violations(framework, request)
    return _end_to_end_violations(framework, request)


def _service_violations(framework: Framework, services: tuple[str, ...]) -> list[Violation]:
    if not services:
        return [Violation("services", "a package covers at least one service; none given")]
    violations = [
        Violation("services", f"unknown service '{code}'")
        for code in dict.fromkeys(services) if framework.grouping_of(code) is None
    ]
    violations += [
        Violation("services", f"service '{code}' is listed {services.count(code)} times")
        for code in dict.fromkeys(services) if services.count(code) > 1
    ]
    return violations


def _micro_violations(request: PackageRequest) -> list[Violation]:
    violations = _not_for_this_type(request, "micro", ("macro_kind", "service_area"))
    given = len(request.services)
    if given != 1:
        violations.append(Violation(
            "services", f"a micro package covers exactly one service; {given} given"))
    return violations


def _macro_violations(framework: Framework, request: PackageRequest) -> list[Violation]:
    violations: list[Violation] = []
    given = len(request.services)
    if given < 2:
        violations.append(Violation(
            "services", f"a macro package covers more than one related service; {given} given"))
    if set(request.services) == set(complete_package(framework)):
        violations.append(Violation(
            "package_type",
            "these services are every service of every grouping: that is an end-to-end package"))
    if request.macro_kind == "function":
        violations += _function_macro_violations(framework, request)
    elif request.macro_kind == "service_area":
        violations += _service_area_violations(framework, request)
    else:
        violations.append(Violation(
            "macro_kind",
            "a macro package needs macro_kind 'function' (related services of one grouping) "
            "or 'service_area' (one service area across groupings)"))
    return violations


def _function_macro_violations(framework: Framework, request: PackageRequest) -> list[Violation]:
    violations = _not_for_this_type(request, "function macro", ("service_area",))
    groupings = groupings_of(framework, request.services)
    if len(groupings) > 1:
        violations.append(Violation(
            "services",
            "a function macro covers related services of one grouping; "
            f"these span {', '.join(groupings)}"))
    return violations


def _service_area_violations(framework: Framework, request: PackageRequest) -> list[Violation]:
    if not request.service_area:
        return [Violation("service_area", "a service-area macro names its service area")]
    if request.service_area not in framework.service_area_codes():
        known = ", ".join(sorted(framework.service_area_codes()))
        return [Violation("service_area",
                          f"unknown service area '{request.service_area}'; known: {known}")]
    return []


def _end_to_end_violations(framework: Framework, request: PackageRequest) -> list[Violation]:
    violations = _not_for_this_type(request, "end-to-end", ("macro_kind", "service_area"))
    missing = [code for code in complete_package(framework) if code not in request.services]
    if missing:
        violations.append(Violation(
            "services",
            "an end-to-end package covers every service of every grouping; "
            f"missing: {', '.join(missing)}"))
    minimum = framework.settings.justification_min_length
    given = len((request.justification or "").strip())
    if given < minimum:
        violations.append(Violation(
            "justification",
            "an end-to-end package is allowed only in exceptional circumstances, which the "
            f"request must set out in at least {minimum} characters; {given} given"))
    return violations


def _not_for_this_type(
    request: PackageRequest, kind: str, fields: tuple[str, ...]
) -> list[Violation]:
    return [
        Violation(name, f"{name} does not apply to a {kind} package")
        for name in fields if getattr(request, name)
    ]
