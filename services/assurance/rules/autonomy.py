"""Earned autonomy: a PCT's tier and freedoms from its result, revocation, oversight dates.

The rules are data (services/assurance/reference/autonomy-rules-*.yaml, see policy.py). A PCT
gets the highest tier whose criteria all hold; the reasons list every criterion checked on
the way down, met or not, so that the SHA and the PCT can see why. Dates come from the cycle
(`CycleDates`), never from the wall clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from services.assurance.rules.framework import Framework
from services.assurance.rules.policy import (
    AutonomyRules,
    Criteria,
    Freedoms,
    RevocationReason,
)
from services.assurance.rules.types import GOVERNANCE_AREAS, PctResult, Rag, require_complete


@dataclass(frozen=True, slots=True)
class CycleDates:
    """When the cycle's results were published and (if known) when the next cycle's will be."""

    published_on: date
    next_publication_on: date | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """A PCT's autonomy tier for a cycle; valid_to is the last day it applies (inclusive)."""

    pct_id: str
    sha_id: str
    cycle_id: str
    rules_version: str
    tier: str
    freedoms: Freedoms
    reasons: tuple[str, ...]
    valid_from: date
    valid_to: date


@dataclass(frozen=True, slots=True)
class Revocation:
    pct_id: str
    reason: RevocationReason
    note: str
    revoked_on: date
    from_tier: str
    to_tier: str
    ended: Decision  # the revoked decision, now ending the day before revoked_on
    replacement: Decision  # the lower tier, from revoked_on to the old valid_to


class RevocationError(ValueError):
    """The revocation cannot apply (outside the decision's validity, or nothing to take away)."""


@dataclass(frozen=True, slots=True)
class ScheduledReview:
    pct_id: str
    tier: str
    review_on: date
    frequency_months: int


def add_months(start: date, months: int) -> date:
    """Same day `months` later; a day the month lacks becomes its last day (31 Jan + 1 = 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_end(start: date, months: int) -> date:
    """Last day of `months` calendar months from `start`: the day before the same day
    `months` later, or that month's last day if it has no such day (31 Mar + 3 -> 30 Jun)."""
    shifted = add_months(start, months)
    return shifted if shifted.day < start.day else shifted - timedelta(days=1)


def validity(rules: AutonomyRules, dates: CycleDates) -> tuple[date, date]:
    """First and last day of a decision: from publication until the day before the next
    cycle's publication, and never beyond max_months (there was no 2010/11 cycle)."""
    start = dates.published_on
    end = period_end(start, rules.validity.max_months)
    if rules.validity.until_next_publication and dates.next_publication_on is not None:
        if dates.next_publication_on <= start:
            raise ValueError("the next cycle's publication must come after this one's")
        end = min(end, dates.next_publication_on - timedelta(days=1))
    return start, end


def _listed(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "none"


def _governance_checks(criteria: Criteria, governance: Mapping[str, Rag]) -> list[tuple[bool, str]]:
    checks = []
    red = [a for a in GOVERNANCE_AREAS if governance[a] is Rag.RED]
    not_green = [a for a in GOVERNANCE_AREAS if governance[a] is not Rag.GREEN]
    if criteria.max_red_areas is not None:
        most = criteria.max_red_areas
        wanted = "no governance area red" if most == 0 else f"at most {most} governance areas red"
        checks.append((len(red) <= most, f"{wanted} (red: {_listed(red)})"))
    if criteria.min_green_areas is not None:
        least, areas = criteria.min_green_areas, len(GOVERNANCE_AREAS)
        wanted = f"all {areas}" if least == areas else f"at least {least} of {areas}"
        checks.append((areas - len(not_green) >= least,
                       f"{wanted} governance areas green (not green: {_listed(not_green)})"))
    return checks


def _competency_checks(criteria: Criteria, levels: Mapping[str, int]) -> list[tuple[bool, str]]:
    checks = []
    if criteria.no_competency_below is not None:
        floor = criteria.no_competency_below
        below = [code for code, level in levels.items() if level < floor]
        checks.append((not below, f"no scored competency below level {floor} "
                                  f"(below: {_listed(below)})"))
    wanted = criteria.min_competencies_at_or_above
    if wanted is not None:
        found = sum(1 for level in levels.values() if level >= wanted.level)
        checks.append((found >= wanted.count, f"at least {wanted.count} of {len(levels)} scored "
                       f"competencies at level {wanted.level} or above (found {found})"))
    return checks


def _criterion_checks(
    criteria: Criteria, levels: Mapping[str, int], governance: Mapping[str, Rag], recovery: bool
) -> list[tuple[bool, str]]:
    """Each criterion of a tier as (met, explanation), governance first."""
    checks = _governance_checks(criteria, governance) + _competency_checks(criteria, levels)
    if criteria.not_in_financial_recovery:
        checks.append((not recovery, "not in financial recovery"))
    return checks


def evaluate(
    rules: AutonomyRules,
    framework: Framework,
    result: PctResult,
    dates: CycleDates,
    *,
    in_financial_recovery: bool = False,
) -> Decision:
    """The autonomy decision for one PCT's published result (IncompleteResultError if unrated)."""
    require_complete(framework, result)
    if rules.framework_version != framework.version_id:
        raise ValueError(f"{rules.version_id} applies to {rules.framework_version}, "
                         f"not {framework.version_id}")
    levels = {code: result.competency_levels[code] or 0 for code in framework.scored_competencies}
    reasons: list[str] = []
    granted = rules.tiers[0]
    for tier in reversed(rules.tiers[1:]):
        checks = _criterion_checks(tier.criteria, levels, result.governance, in_financial_recovery)
        reasons += [f"{tier.code}: {text}: {'met' if ok else 'not met'}" for ok, text in checks]
        if all(ok for ok, _ in checks):
            granted = tier
            break
    else:
        reasons.append(f"{granted.code}: no higher tier has every criterion met")
    start, end = validity(rules, dates)
    return Decision(result.pct_id, result.sha_id, rules.cycle_id, rules.version_id,
                    granted.code, granted.freedoms, tuple(reasons), start, end)


def revoke(
    rules: AutonomyRules,
    decision: Decision,
    *,
    reason: RevocationReason,
    on: date,
    note: str = "",
) -> Revocation:
    """The SHA takes freedoms away from `on`: the PCT drops to the tier the rules name."""
    if not decision.valid_from < on <= decision.valid_to:
        raise RevocationError(f"{decision.pct_id}: {on} is not after the decision took effect "
                              f"({decision.valid_from}) and within it (to {decision.valid_to})")
    rule = rules.revocation_rule(reason)
    current = rules.rank(decision.tier)
    target = rules.rank(rule.to_tier) if rule.to_tier else max(current - (rule.tiers_down or 1), 0)
    if target >= current:
        raise RevocationError(f"{decision.pct_id}: already {decision.tier}; {reason} "
                              f"leads to {rules.tiers[target].code}, nothing to take away")
    lower = rules.tiers[target]
    text = f"revoked on {on.isoformat()} ({reason}{': ' + note if note else ''})"
    replacement = replace(decision, tier=lower.code, freedoms=lower.freedoms,
                          reasons=(*decision.reasons, text), valid_from=on)
    ended = replace(decision, valid_to=on - timedelta(days=1))
    return Revocation(
        decision.pct_id, reason, note, on, decision.tier, lower.code, ended, replacement
    )


def grounds_for_revocation(
    rules: AutonomyRules,
    decision: Decision,
    *,
    governance: Mapping[str, Rag],
    in_financial_recovery: bool = False,
    missed_trajectories: Iterable[str] = (),
) -> list[RevocationReason]:
    """In-year facts that would let the SHA revoke `decision`; empty if none would lower it."""
    if rules.rank(decision.tier) == 0:
        return []
    grounds: list[RevocationReason] = []
    if in_financial_recovery:
        grounds.append("financial_recovery")
    if any(rag is Rag.RED for rag in governance.values()):
        grounds.append("red_governance")
    if list(missed_trajectories):
        grounds.append("missed_trajectory")
    return grounds


def oversight_schedule(decisions: Iterable[Decision], from_date: date) -> list[ScheduledReview]:
    """Performance reviews due on or after `from_date`, soonest first.

    Each decision's reviews fall every review_frequency_months after its valid_from, while it
    is valid; pass a revoked PCT's `ended` and `replacement` decisions to get both stretches.
    """
    reviews = []
    for decision in decisions:
        months = decision.freedoms.review_frequency_months
        step = 1
        while (due := add_months(decision.valid_from, months * step)) <= decision.valid_to:
            if due >= from_date:
                reviews.append(ScheduledReview(decision.pct_id, decision.tier, due, months))
            step += 1
    return sorted(reviews, key=lambda review: (review.review_on, review.pct_id))
