"""The reference data in force: the FESC framework file with the settings' overrides applied."""

from __future__ import annotations

from functools import cache
from typing import Any

from services.procurement.config import Settings
from services.procurement.rules.framework import Framework, load_framework

OVERRIDABLE = ("sha_approval_threshold_pence", "min_invited_suppliers", "standstill_days")


def effective_framework(settings: Settings) -> Framework:
    """fesc-framework-v<N>.yaml, with any threshold the environment overrides."""
    overrides = {name: getattr(settings, name) for name in OVERRIDABLE
                 if getattr(settings, name) is not None}
    return _framework(settings.framework_version, tuple(sorted(overrides.items())))


@cache
def _framework(version: int, overrides: tuple[tuple[str, Any], ...]) -> Framework:
    framework = load_framework(version)
    if not overrides:
        return framework
    rules = framework.settings.model_validate(
        {**framework.settings.model_dump(), **dict(overrides)})
    return framework.model_copy(update={"settings": rules})
