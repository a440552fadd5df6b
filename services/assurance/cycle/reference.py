"""The reference files a cycle is frozen against: its framework and its autonomy rules.

Opening a cycle stores the SHA-256 of both files (`digests`). Everything that scores,
calibrates, publishes or reports on the cycle loads them through `framework_of` and
`autonomy_rules_of`, which refuse a file whose bytes differ from those the cycle opened with.
A published version is never edited: a change is a new version file, used by a later cycle
(docs/assurance-rules.md, "Reference data"; tests/assurance/rules/test_reference_files.py
pins the published ones).
"""

from __future__ import annotations

import logging

from services.assurance.cycle.models import Cycle
from services.assurance.rules.framework import Framework, framework_sha256, load_framework
from services.assurance.rules.policy import (
    AutonomyRules,
    autonomy_rules_sha256,
    load_autonomy_rules,
)
from shared.errors import Problem

log = logging.getLogger(__name__)


class ReferenceDataChanged(Problem):
    """A cycle's framework or autonomy-rules file was edited after the cycle opened.

    A deployment error, not a client's: 500, but with a detail that says what to put back.
    """

    status, slug, title = 500, "reference-data-changed", "Reference data changed"


def digests(framework: Framework, rules: AutonomyRules) -> tuple[str, str]:
    """SHA-256 of the framework file and of the autonomy-rules file, as loaded."""
    return framework_sha256(framework.version_id), autonomy_rules_sha256(rules.version_id)


def framework_of(cycle: Cycle) -> Framework:
    """The cycle's framework; ReferenceDataChanged if its file changed since the cycle opened."""
    framework = load_framework(cycle.framework_version)
    _require_unchanged(cycle, cycle.framework_version, cycle.framework_sha256,
                       framework_sha256(cycle.framework_version))
    return framework


def autonomy_rules_of(cycle: Cycle) -> AutonomyRules:
    """The cycle's autonomy rules; ReferenceDataChanged if their file changed since."""
    rules = load_autonomy_rules(cycle.autonomy_rules_version)
    _require_unchanged(cycle, cycle.autonomy_rules_version, cycle.autonomy_rules_sha256,
                       autonomy_rules_sha256(cycle.autonomy_rules_version))
    return rules


def _require_unchanged(cycle: Cycle, version: str, opened_with: str, on_file: str) -> None:
    if on_file == opened_with:
        return
    log.error("reference file changed since the cycle opened", extra={
        "cycle_id": cycle.id, "version": version, "opened_with": opened_with,
        "on_file": on_file})
    raise ReferenceDataChanged(
        f"the {cycle.year} cycle opened with {version} (sha256 {opened_with}), but {version} on "
        f"this server now has sha256 {on_file}. A published version is never edited: restore "
        f"{version} as it was and put the change in a new version for a later cycle.",
        cycle_id=cycle.id, version=version, opened_with_sha256=opened_with,
        on_file_sha256=on_file)
