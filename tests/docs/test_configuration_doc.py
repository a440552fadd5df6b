"""docs/configuration.md has a row for every setting of every service, and none for a setting
that does not exist.

A setting's variable is its service's prefix plus the field name upper-cased
(`PROCUREMENT_STANDSTILL_DAYS`); settings every service has (shared/config.py) are documented
once as `<SVC>_NAME`.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from shared.config import BaseServiceSettings
from shared.testing.plugin import SERVICES
from tests.docs.node import REPO

DOC = REPO / "docs" / "configuration.md"
SHARED = "<SVC>_"


def settings_class(service: str) -> Any:
    return importlib.import_module(f"services.{service}.config").Settings


def prefix(service: str) -> str:
    return str(settings_class(service).model_config["env_prefix"])


def documented_rows(section_start: str = "", section_end: str = "") -> set[str]:
    """Backticked names in the first column of the table's rows (between two section rows)."""
    lines = DOC.read_text().splitlines()
    rows = [line for line in lines if line.startswith("| ")]
    if section_start:
        start = next(i for i, row in enumerate(rows) if section_start in row)
        end = next(i for i, row in enumerate(rows) if section_end in row)
        rows = rows[start:end]
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row.split("|")[1])}


def expected(service: str) -> dict[str, str]:
    """Each setting's field name -> the name its row must have."""
    shared = set(BaseServiceSettings.model_fields)
    return {field: (SHARED if field in shared else prefix(service)) + field.upper()
            for field in settings_class(service).model_fields}


@pytest.mark.parametrize("service", SERVICES)
def test_every_setting_of_the_service_has_a_row(service: str) -> None:
    rows = documented_rows()
    missing = sorted(name for name in expected(service).values() if name not in rows)
    assert missing == [], f"add these to {DOC.relative_to(REPO)}"


def test_the_services_rows_name_only_settings_that_exist() -> None:
    real = {name for service in SERVICES for name in expected(service).values()}
    rows = documented_rows("**every service**", "**`make run`**")
    stale = sorted(name for name in rows
                   if re.fullmatch(r"(<SVC>|[A-Z]+)_[A-Z0-9_]+", name) and name not in real)
    assert stale == []


def test_each_service_reads_its_own_prefix() -> None:
    assert [prefix(service) for service in SERVICES] == [
        f"{service.upper()}_" for service in SERVICES]
