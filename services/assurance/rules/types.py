"""Values shared by the rules: RAG ratings, levels and one PCT's published result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.assurance.rules.framework import Framework

LEVELS = (1, 2, 3, 4)
GOVERNANCE_AREAS = ("strategy", "finance", "board")


class Rag(StrEnum):
    """Governance rating; the strings match the assurance.assessment.rated event."""

    RED = "RED"
    AMBER = "AMBER"
    GREEN = "GREEN"


@dataclass(frozen=True, slots=True)
class PctResult:
    """One PCT's published result for a cycle: final competency levels and governance RAG."""

    pct_id: str
    sha_id: str
    competency_levels: Mapping[str, int | None]
    governance: Mapping[str, Rag]


class IncompleteResultError(ValueError):
    """A rule needs every scored competency and governance area rated."""


def missing_ratings(framework: Framework, result: PctResult) -> list[str]:
    """What a result lacks for `framework`: unrated competencies and governance areas."""
    missing = [
        f"competency {code}"
        for code in framework.scored_competencies
        if result.competency_levels.get(code) is None
    ]
    missing += [f"governance {area}" for area in GOVERNANCE_AREAS if area not in result.governance]
    return missing


def require_complete(framework: Framework, result: PctResult) -> None:
    """Raise IncompleteResultError naming what `result` lacks, if anything."""
    missing = missing_ratings(framework, result)
    if missing:
        raise IncompleteResultError(f"{result.pct_id}: not rated: {', '.join(missing)}")
    levels = result.competency_levels
    bad = {code: lvl for code, lvl in levels.items() if lvl is not None and lvl not in LEVELS}
    if bad:
        raise IncompleteResultError(f"{result.pct_id}: levels outside 1-4: {bad}")
