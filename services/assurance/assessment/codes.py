"""Checks that codes sent by a caller exist in (and are scored by) the framework version."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.assurance.rules.framework import Framework
from shared.errors import RuleViolation


def scored_sub_competencies(framework: Framework) -> list[str]:
    return [sub.code for code in framework.scored_competencies
            for sub in framework.competency(code).sub_competencies]


def check_sub_competencies(framework: Framework, codes: Iterable[str], *field: str) -> None:
    """422 naming every code that is not a scored sub-competency of `framework`."""
    known = set(scored_sub_competencies(framework))
    _refuse(framework, [code for code in codes if code not in known], "sub-competency", field)


def check_competencies(framework: Framework, codes: Iterable[str], *field: str) -> None:
    """422 naming every code that is not a competency `framework` scores."""
    known = set(framework.scored_competencies)
    _refuse(framework, [code for code in codes if code not in known], "competency", field)


def _refuse(framework: Framework, unknown: list[str], what: str, field: tuple[str, ...]) -> None:
    if not unknown:
        return
    errors: list[dict[str, Any]] = [
        {"loc": ["body", *field, code], "msg": f"not a scored {what} of {framework.version_id}"}
        for code in unknown]
    raise RuleViolation(f"unknown {what} codes: {', '.join(unknown)}", errors=errors)


def missing(framework: Framework, rated: dict[str, int | None]) -> list[str]:
    """Scored sub-competencies without a level in `rated`."""
    return [code for code in scored_sub_competencies(framework) if rated.get(code) is None]
