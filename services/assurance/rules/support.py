"""Support needs: competencies below a target level, typed by the King's Fund forms of
external support [S8] and matched to a FESC grouping and package type [S1, S14].

A gap in one competency of a grouping is a **micro** package (one service); gaps in several
competencies of the same grouping are a **macro** package (a whole function, e.g. all of
assessment and planning). Where the panel scored below target but the PCT's own assessment met
it, the gap is read as evidence and presentation rather than capability, so the form is the
framework's `evidence_gap_form` (advice on presenting at the panel).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from services.assurance.rules.loading import Frozen
from services.assurance.rules.types import LEVELS

if TYPE_CHECKING:
    from services.assurance.rules.framework import Framework

SupportFormCode = Literal[
    "staffing_capacity", "analytical_tools", "strategy_development", "assurance_presentation_advice"
]
GroupingCode = Literal[
    "assessment_and_planning",
    "contracting_and_procurement",
    "performance_management_settlement_and_review",
    "patient_and_public_engagement",
]
PackageType = Literal["micro", "macro"]


class SupportForm(Frozen):
    code: SupportFormCode
    name: str
    sources: tuple[str, ...] = ()


class Grouping(Frozen):
    code: GroupingCode
    name: str
    sources: tuple[str, ...] = ()


class CompetencySupport(Frozen):
    competency: str
    form: SupportFormCode
    grouping: GroupingCode


class Support(Frozen):
    """Which external support matches a gap in each competency (reference data)."""

    target_level: int = Field(ge=2, le=4)
    forms: tuple[SupportForm, ...]
    groupings: tuple[Grouping, ...]
    evidence_gap_form: SupportFormCode
    competencies: tuple[CompetencySupport, ...]

    @field_validator("forms", "groupings")
    @classmethod
    def _each_once(cls, value: tuple[SupportForm | Grouping, ...]) -> tuple[Any, ...]:
        duplicates = [code for code, n in Counter(item.code for item in value).items() if n > 1]
        if duplicates or len(value) != 4:
            raise ValueError(f"expected the four codes once each, found {[i.code for i in value]}")
        return value


@dataclass(frozen=True, slots=True)
class SupportNeed:
    """Fields match the assurance.support_need.identified event."""

    competency: str
    competency_name: str
    level: int
    target_level: int
    support_form: SupportFormCode
    grouping: GroupingCode
    package_type: PackageType
    evidence_gap: bool


def support_needs(
    framework: Framework,
    levels: Mapping[str, int | None],
    *,
    target_level: int | None = None,
    self_levels: Mapping[str, int | None] | None = None,
) -> list[SupportNeed]:
    """A need for every scored competency rated below target (default: the framework's)."""
    target = framework.support.target_level if target_level is None else target_level
    if target not in LEVELS:
        raise ValueError(f"target level {target} is outside 1-4")
    own = self_levels or {}
    gaps = []
    for code in framework.scored_competencies:
        level = levels.get(code)
        if level is not None and level < target:
            own_level = own.get(code)
            gaps.append((code, level, own_level is not None and own_level >= target))
    per_grouping = Counter(framework.support_for(code).grouping for code, _, _ in gaps)
    needs = []
    for code, level, evidence_gap in gaps:
        match = framework.support_for(code)
        needs.append(SupportNeed(
            competency=code,
            competency_name=framework.competency(code).short_name,
            level=level,
            target_level=target,
            support_form=framework.support.evidence_gap_form if evidence_gap else match.form,
            grouping=match.grouping,
            package_type="macro" if per_grouping[match.grouping] > 1 else "micro",
            evidence_gap=evidence_gap,
        ))
    return needs
