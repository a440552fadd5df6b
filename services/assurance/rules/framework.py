"""WCC competency frameworks: the versioned data model, its checks and the loader."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from services.assurance.rules.loading import (
    FRAMEWORKS_DIR,
    Frozen,
    ReferenceDataError,
    path_for,
    read_model_and_digest,
)
from services.assurance.rules.outcomes import Outcomes
from services.assurance.rules.support import CompetencySupport, Support
from services.assurance.rules.types import GOVERNANCE_AREAS, LEVELS

ScoringStrategy = Literal["floor_of_mean", "floor_of_mean_unless_level_1", "minimum"]
CompetencyCode = str
Sources = tuple[str, ...]


class Source(Frozen):
    id: str
    url: str
    supports: str


class Milestone(Frozen):
    event: str
    when: date
    sources: Sources = ()
    note: str = ""


class Cycle(Frozen):
    id: str = Field(pattern=r"^\d{4}-\d{2}$")
    year: str = Field(pattern=r"^\d{4}/\d{2}$")
    label: str
    milestones: tuple[Milestone, ...] = ()


class LevelDescriptor(Frozen):
    level: int = Field(ge=1, le=4)
    label: str
    confirmed: bool
    descriptor: str
    illustrative: bool = False
    sources: Sources = ()


class Scoring(Frozen):
    strategy: ScoringStrategy
    difference_flag_threshold: int = Field(default=1, ge=1, le=3)


class SubCompetency(Frozen):
    code: str
    title: str
    illustrative: bool = False


class Competency(Frozen):
    code: CompetencyCode = Field(pattern=r"^[1-9][0-9]?$")
    short_name: str
    description: str
    scored: bool
    sources: Sources = ()
    sub_competencies: tuple[SubCompetency, ...]

    @model_validator(mode="after")
    def _three_numbered_sub_competencies(self) -> Competency:
        codes = [sub.code for sub in self.sub_competencies]
        expected = [f"{self.code}.{n}" for n in (1, 2, 3)]
        if codes != expected:
            raise ValueError(f"sub_competencies: expected exactly {expected}, found {codes}")
        return self


class SubIndicator(Frozen):
    code: str
    title: str
    illustrative: bool = False
    sources: Sources = ()


class GovernanceArea(Frozen):
    code: Literal["strategy", "finance", "board"]
    name: str
    sources: Sources = ()
    includes_competencies: tuple[CompetencyCode, ...] = ()
    sub_indicators: tuple[SubIndicator, ...] = ()

    @model_validator(mode="after")
    def _sub_indicators_belong_to_area(self) -> GovernanceArea:
        stray = [s.code for s in self.sub_indicators if not s.code.startswith(f"{self.code}.")]
        if stray:
            raise ValueError(f"sub_indicators: codes must start with '{self.code}.': {stray}")
        return self


class Governance(Frozen):
    sub_indicator_total: int | None = Field(default=None, ge=0)
    areas: tuple[GovernanceArea, ...]

    @model_validator(mode="after")
    def _three_areas(self) -> Governance:
        codes = sorted(area.code for area in self.areas)
        if codes != sorted(GOVERNANCE_AREAS):
            raise ValueError(f"areas: expected each of {list(GOVERNANCE_AREAS)}, found {codes}")
        total = sum(len(area.sub_indicators) for area in self.areas)
        if self.sub_indicator_total is not None and total != self.sub_indicator_total:
            raise ValueError(
                f"sub_indicator_total: says {self.sub_indicator_total}, areas hold {total}"
            )
        return self


class MetricCap(Frozen):
    """A hard metric that caps a competency: see scoring.apply_metric_caps."""

    id: str
    competency: CompetencyCode
    metrics: Literal["linked"] | tuple[str, ...]
    behind_trajectory_percent_over: Decimal = Field(ge=0)
    cap_level: int = Field(ge=1, le=3)
    illustrative: bool = False
    rationale: str


class Framework(Frozen):
    """One version of the WCC competency framework (one assurance cycle)."""

    schema_version: Literal[1]
    version_id: str
    name: str
    cycle: Cycle
    sources: tuple[Source, ...]
    levels: tuple[LevelDescriptor, ...]
    scoring: Scoring
    competencies: tuple[Competency, ...]
    governance: Governance
    outcomes: Outcomes
    metric_caps: tuple[MetricCap, ...] = ()
    support: Support

    @field_validator("levels")
    @classmethod
    def _levels_one_to_four(cls, value: tuple[LevelDescriptor, ...]) -> tuple[LevelDescriptor, ...]:
        found = tuple(item.level for item in value)
        if found != LEVELS:
            raise ValueError(f"expected levels {list(LEVELS)} in order, found {list(found)}")
        if value[-1].label != "World class" or not value[-1].confirmed:
            raise ValueError("level 4 must be the sourced label 'World class' (confirmed: true)")
        return value

    @field_validator("competencies")
    @classmethod
    def _numbered_from_one(cls, value: tuple[Competency, ...]) -> tuple[Competency, ...]:
        codes = [c.code for c in value]
        if codes != [str(n) for n in range(1, len(codes) + 1)]:
            raise ValueError(f"codes must run 1..n in order without gaps or repeats, found {codes}")
        return value

    @model_validator(mode="after")
    def _references_resolve(self) -> Framework:
        problems = [*self._competency_reference_problems(), *self._source_problems()]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _competency_reference_problems(self) -> Iterator[str]:
        known, scored = set(self.competency_codes), set(self.scored_competencies)
        for area in self.governance.areas:
            for code in set(area.includes_competencies) - (known - scored):
                yield f"governance.{area.code}.includes_competencies: {code} is not unscored"
        for metric in self.outcomes.metrics:
            for code in set(metric.linked_competencies) - known:
                yield f"outcomes.metrics.{metric.code}: unknown competency {code}"
        metric_codes = {metric.code for metric in self.outcomes.metrics}
        for cap in self.metric_caps:
            if cap.competency not in scored:
                yield f"metric_caps.{cap.id}: competency {cap.competency} is not scored"
            if cap.metrics != "linked":
                for code in set(cap.metrics) - metric_codes:
                    yield f"metric_caps.{cap.id}: unknown metric {code}"
        mapped = [item.competency for item in self.support.competencies]
        if sorted(mapped, key=int) != list(self.competency_codes):
            yield f"support.competencies: must map each competency once, found {mapped}"

    def _source_problems(self) -> Iterator[str]:
        declared = {source.id for source in self.sources}
        cited = set(_cited_sources(self.model_dump(exclude={"sources"})))
        for source_id in sorted(cited - declared):
            yield f"sources: {source_id} is cited but not listed"

    @property
    def competency_codes(self) -> tuple[CompetencyCode, ...]:
        return tuple(c.code for c in self.competencies)

    @property
    def scored_competencies(self) -> tuple[CompetencyCode, ...]:
        """Codes of the competencies this version scores 1-4 (Year 1 leaves out 11)."""
        return tuple(c.code for c in self.competencies if c.scored)

    def competency(self, code: CompetencyCode) -> Competency:
        for competency in self.competencies:
            if competency.code == code:
                return competency
        raise KeyError(f"{self.version_id} has no competency {code!r}")

    def support_for(self, code: CompetencyCode) -> CompetencySupport:
        return next(item for item in self.support.competencies if item.competency == code)

    def level_label(self, level: int) -> str:
        return self.levels[level - 1].label


def _cited_sources(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "sources" and isinstance(value, list | tuple):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from _cited_sources(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _cited_sources(item)


def load_framework(version_id: str, directory: Path = FRAMEWORKS_DIR) -> Framework:
    """The framework version `version_id` (e.g. "wcc-2008-09"), validated."""
    return _load(version_id, directory)[0]


def framework_sha256(version_id: str, directory: Path = FRAMEWORKS_DIR) -> str:
    """SHA-256 of the file `load_framework(version_id)` was parsed from (hex)."""
    return _load(version_id, directory)[1]


@cache
def _load(version_id: str, directory: Path) -> tuple[Framework, str]:
    # Frozen models are safe to share, so each file is parsed (and hashed) once per process.
    return read_model_and_digest(path_for(directory, version_id), Framework,
                                 version_id=version_id)


def list_frameworks(directory: Path = FRAMEWORKS_DIR) -> list[Framework]:
    """Every framework version on file, oldest cycle first."""
    frameworks = [load_framework(path.stem, directory) for path in directory.glob("*.yaml")]
    return sorted(frameworks, key=lambda framework: framework.cycle.id)


def framework_for_cycle(cycle_id: str, directory: Path = FRAMEWORKS_DIR) -> Framework:
    """The framework version that applies to assurance cycle `cycle_id` (e.g. "2009-10")."""
    for framework in list_frameworks(directory):
        if framework.cycle.id == cycle_id:
            return framework
    raise ReferenceDataError(directory, [f"no framework for cycle {cycle_id!r}"])
