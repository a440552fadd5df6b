"""Organisation reference data: the type hierarchy and the seeded organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


@dataclass(frozen=True)
class OrgType:
    code: str
    name: str
    parent: str | None
    valid_from: date | None
    valid_to: date | None


@cache
def organisation_types() -> dict[str, OrgType]:
    data = yaml.safe_load((REFERENCE / "organisation_types.yaml").read_text())
    return {code: OrgType(code=code, **spec) for code, spec in data["types"].items()}


def seed_organisations() -> list[dict[str, Any]]:
    """The seeded organisations, parents before children."""
    data = yaml.safe_load((REFERENCE / "organisations.yaml").read_text())
    depth = {"DOH": 0, "SUPPLIER": 0, "NHSCB": 1, "SHA": 1, "PCT": 2, "CCG": 2, "CSU": 2}
    rows: list[dict[str, Any]] = data["organisations"]
    return sorted(rows, key=lambda row: depth[row["type"]])
