"""Published earned-autonomy rules per cycle: the versioned data model, its checks and loader."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from services.assurance.rules.framework import Framework, load_framework
from services.assurance.rules.loading import (
    REFERENCE_DIR,
    Frozen,
    ReferenceDataError,
    path_for,
    read_model_and_digest,
)
from services.assurance.rules.types import GOVERNANCE_AREAS

RevocationReason = Literal["financial_recovery", "red_governance", "missed_trajectory", "other"]
REVOCATION_REASONS: tuple[RevocationReason, ...] = (
    "financial_recovery", "red_governance", "missed_trajectory", "other"
)
_AREAS = len(GOVERNANCE_AREAS)


class CompetencyCount(Frozen):
    level: int = Field(ge=1, le=4)
    count: int = Field(ge=1)


class Criteria(Frozen):
    """What a result must show for a tier; an absent criterion is not checked."""

    max_red_areas: int | None = Field(default=None, ge=0, le=_AREAS)
    min_green_areas: int | None = Field(default=None, ge=0, le=_AREAS)
    no_competency_below: int | None = Field(default=None, ge=2, le=4)
    min_competencies_at_or_above: CompetencyCount | None = None
    not_in_financial_recovery: bool = False

    @property
    def is_empty(self) -> bool:
        return self == Criteria()


class Freedoms(Frozen):
    """What a tier grants; field names match the assurance.autonomy.granted event."""

    review_frequency_months: int = Field(ge=1, le=24)
    financial_autonomy_threshold_pence: int | None = Field(default=None, ge=0)
    joint_ventures_without_doh_permission: bool = False


class Tier(Frozen):
    code: str = Field(pattern=r"^[a-z_]+$")
    name: str
    criteria: Criteria
    freedoms: Freedoms


class Validity(Frozen):
    until_next_publication: bool
    max_months: int = Field(ge=1, le=36)


class RevocationRule(Frozen):
    """Where a revoked PCT lands: a named tier, or some tiers below its current one."""

    reason: RevocationReason
    to_tier: str | None = None
    tiers_down: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_target(self) -> RevocationRule:
        if (self.to_tier is None) == (self.tiers_down is None):
            raise ValueError("give exactly one of to_tier and tiers_down")
        return self


class Source(Frozen):
    id: str
    url: str
    supports: str


class AutonomyRules(Frozen):
    """One cycle's autonomy rules: tiers from least to most autonomy, validity, revocation."""

    schema_version: Literal[1]
    version_id: str
    name: str
    cycle_id: str = Field(pattern=r"^\d{4}-\d{2}$")
    framework_version: str
    illustrative: bool
    sources: tuple[Source, ...] = ()
    tiers: tuple[Tier, ...] = Field(min_length=2)
    validity: Validity
    revocation: tuple[RevocationRule, ...]

    @model_validator(mode="after")
    def _tiers_make_a_ladder(self) -> AutonomyRules:
        codes = [tier.code for tier in self.tiers]
        if len(set(codes)) != len(codes):
            raise ValueError(f"tiers: repeated codes in {codes}")
        if not self.tiers[0].criteria.is_empty:
            raise ValueError(f"tiers.{codes[0]}: the first tier takes everyone else: no criteria")
        for lower, upper in zip(self.tiers, self.tiers[1:], strict=False):
            if upper.criteria.is_empty:
                raise ValueError(f"tiers.{upper.code}: only the first tier may have no criteria")
            if not _grants_at_least(upper.freedoms, lower.freedoms):
                raise ValueError(f"tiers.{upper.code}: grants less than {lower.code} below it")
        return self

    @model_validator(mode="after")
    def _every_reason_once(self) -> AutonomyRules:
        reasons = Counter(rule.reason for rule in self.revocation)
        if sorted(reasons) != sorted(REVOCATION_REASONS) or max(reasons.values()) > 1:
            raise ValueError(f"revocation: each of {list(REVOCATION_REASONS)} exactly once")
        codes = {tier.code for tier in self.tiers}
        for rule in self.revocation:
            if rule.to_tier is not None and rule.to_tier not in codes:
                raise ValueError(f"revocation.{rule.reason}: unknown tier {rule.to_tier}")
        return self

    def tier(self, code: str) -> Tier:
        return self.tiers[self.rank(code)]

    def rank(self, code: str) -> int:
        """0 for the lowest tier, rising with autonomy."""
        for index, tier in enumerate(self.tiers):
            if tier.code == code:
                return index
        raise KeyError(f"{self.version_id} has no tier {code!r}")

    def revocation_rule(self, reason: RevocationReason) -> RevocationRule:
        return next(rule for rule in self.revocation if rule.reason == reason)


def _grants_at_least(upper: Freedoms, lower: Freedoms) -> bool:
    # A higher tier must never be reviewed more often or trusted with less money.
    threshold_up = upper.financial_autonomy_threshold_pence or 0
    threshold_low = lower.financial_autonomy_threshold_pence or 0
    return (
        upper.review_frequency_months >= lower.review_frequency_months
        and threshold_up >= threshold_low
        and (upper.joint_ventures_without_doh_permission
             or not lower.joint_ventures_without_doh_permission)
    )


def load_autonomy_rules(version_id: str, directory: Path = REFERENCE_DIR) -> AutonomyRules:
    """The autonomy rules `version_id` (e.g. "autonomy-rules-2008-09"), checked against
    the framework version they apply to."""
    return _load(version_id, directory)[0]


def autonomy_rules_sha256(version_id: str, directory: Path = REFERENCE_DIR) -> str:
    """SHA-256 of the file `load_autonomy_rules(version_id)` was parsed from (hex)."""
    return _load(version_id, directory)[1]


@cache
def _load(version_id: str, directory: Path) -> tuple[AutonomyRules, str]:
    path = path_for(directory, version_id)
    rules, digest = read_model_and_digest(path, AutonomyRules, version_id=version_id)
    try:
        framework = load_framework(rules.framework_version)
    except ReferenceDataError as exc:
        raise ReferenceDataError(path, [f"framework_version: {exc}"]) from None
    problems = _framework_problems(rules, framework)
    if problems:
        raise ReferenceDataError(path, problems)
    return rules, digest


def _framework_problems(rules: AutonomyRules, framework: Framework) -> list[str]:
    problems = []
    if framework.cycle.id != rules.cycle_id:
        problems.append(
            f"cycle_id: {rules.cycle_id} but {framework.version_id} is {framework.cycle.id}"
        )
    scored = len(framework.scored_competencies)
    for tier in rules.tiers:
        wanted = tier.criteria.min_competencies_at_or_above
        if wanted is not None and wanted.count > scored:
            problems.append(
                f"tiers.{tier.code}.criteria.min_competencies_at_or_above: count {wanted.count} "
                f"but {framework.version_id} scores only {scored} competencies"
            )
    return problems


def list_autonomy_rules(directory: Path = REFERENCE_DIR) -> list[AutonomyRules]:
    """Every autonomy rule set on file, oldest cycle first."""
    paths = directory.glob("autonomy-rules-*.yaml")
    return sorted((load_autonomy_rules(p.stem, directory) for p in paths), key=lambda r: r.cycle_id)


def autonomy_rules_for_cycle(cycle_id: str, directory: Path = REFERENCE_DIR) -> AutonomyRules:
    """The autonomy rules published for assurance cycle `cycle_id` (e.g. "2008-09")."""
    for rules in list_autonomy_rules(directory):
        if rules.cycle_id == cycle_id:
            return rules
    raise ReferenceDataError(directory, [f"no autonomy rules for cycle {cycle_id!r}"])
