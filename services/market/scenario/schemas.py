from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class ScenarioCreate(BaseModel):
    """A custom scenario: a built-in one with the parameters given here changed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "historical-25-csus", "extends": "historical",
        "description": "History with 25 CSUs at go-live",
        "parameters": {"csus": {"count": 25}, "private": {"vat_penalty": 0.05}}}]})

    name: str = Field(pattern=NAME_PATTERN, description="unique; not a built-in scenario's name")
    extends: str = Field(pattern=NAME_PATTERN, description="the built-in scenario it changes")
    description: str = Field(default="", max_length=2000)
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="a partial scenario document, deep-merged over the built-in one "
                    "(docs/market-model.md lists every parameter)")


class ScenarioSummary(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "historical", "kind": "built-in", "extends": "baseline",
        "description": "The market as it happened ...", "owner_org_id": None,
        "created_by": None, "created_at": None}]})

    name: str
    kind: Literal["built-in", "custom"]
    extends: str | None
    description: str
    owner_org_id: str | None
    created_by: str | None
    created_at: datetime | None


class ScenarioRead(ScenarioSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "historical-25-csus", "kind": "custom", "extends": "historical",
        "description": "History with 25 CSUs at go-live",
        "owner_org_id": "4d2b8f10-6a3e-4c1d-9b7a-2e5f8c0d1a36",
        "created_by": "user:x24-analyst", "created_at": "2013-01-14T10:20:00Z",
        "parameters": {"csus": {"count": 25}},
        "document": {"name": "historical-25-csus", "extends": "historical",
                     "csus": {"count": 25, "fixed_cost_m": 5.22, "unit_cost": 0.93},
                     "framework_gate": {"csu_sla_end": "2016-04-01"}}}]})

    parameters: dict[str, Any] = Field(description="what the scenario changes over `extends`")
    document: dict[str, Any] = Field(description="the complete, validated scenario document")
