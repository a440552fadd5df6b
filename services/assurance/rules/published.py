"""Published national distributions of a cycle's results (reference data for the demo)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from services.assurance.rules.framework import load_framework
from services.assurance.rules.loading import (
    REFERENCE_DIR,
    Frozen,
    ReferenceDataError,
    path_for,
    read_model,
)
from services.assurance.rules.types import GOVERNANCE_AREAS, LEVELS, Rag


class Source(Frozen):
    id: str
    url: str
    supports: str


class CompetencyRow(Frozen):
    competency: str
    counts: Mapping[int, int]
    tentative: bool  # rebuilt from garbled source text and not pinned down by the checks
    note: str = ""

    @field_validator("counts")
    @classmethod
    def _every_level(cls, value: Mapping[int, int]) -> Mapping[int, int]:
        if sorted(value) != list(LEVELS) or min(value.values()) < 0:
            raise ValueError(f"expected counts >= 0 for levels {list(LEVELS)}")
        return value


class GovernanceRow(Frozen):
    area: Literal["strategy", "finance", "board"]
    counts: Mapping[Rag, int]
    derived: tuple[Rag, ...] = ()  # counts worked out by subtraction, not read in a source

    @field_validator("counts")
    @classmethod
    def _every_rating(cls, value: Mapping[Rag, int]) -> Mapping[Rag, int]:
        if set(value) != set(Rag) or min(value.values()) < 0:
            raise ValueError("expected counts >= 0 for RED, AMBER and GREEN")
        return value


class Joint(Frozen):
    all_green_percent: Decimal = Field(ge=0, le=100)
    all_red_count: int = Field(ge=0)


class PublishedResults(Frozen):
    schema_version: Literal[1]
    version_id: str
    cycle_id: str
    framework_version: str
    population: int = Field(ge=1)
    as_at: date
    sources: tuple[Source, ...] = ()
    competency_levels: tuple[CompetencyRow, ...]
    governance: tuple[GovernanceRow, ...]
    joint: Joint
    sha_group_sizes: tuple[int, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _rows_add_up(self) -> PublishedResults:
        rows = [(f"competency_levels.{r.competency}", sum(r.counts.values()))
                for r in self.competency_levels]
        rows += [(f"governance.{r.area}", sum(r.counts.values())) for r in self.governance]
        rows.append(("sha_group_sizes", sum(self.sha_group_sizes)))
        wrong = [f"{where} adds up to {total}" for where, total in rows if total != self.population]
        if wrong:
            raise ValueError(f"population is {self.population} but " + ", ".join(wrong))
        if sorted(r.area for r in self.governance) != sorted(GOVERNANCE_AREAS):
            raise ValueError(f"governance: expected each of {list(GOVERNANCE_AREAS)} once")
        return self

    def competency_counts(self, code: str) -> Mapping[int, int]:
        return next(row.counts for row in self.competency_levels if row.competency == code)

    def governance_counts(self, area: str) -> Mapping[Rag, int]:
        return next(row.counts for row in self.governance if row.area == area)


def load_published_results(version_id: str, directory: Path = REFERENCE_DIR) -> PublishedResults:
    """Published distributions `version_id` (e.g. "published-results-2008-09"), with one row
    per competency the matching framework scores."""
    return _load(version_id, directory)


@cache
def _load(version_id: str, directory: Path) -> PublishedResults:
    path = path_for(directory, version_id)
    published = read_model(path, PublishedResults, version_id=version_id)
    scored = list(load_framework(published.framework_version).scored_competencies)
    rows = [row.competency for row in published.competency_levels]
    if rows != scored:
        raise ReferenceDataError(path, [f"competency_levels: expected rows {scored}, found {rows}"])
    return published
