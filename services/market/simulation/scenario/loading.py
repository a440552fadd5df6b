"""Loading scenario documents (YAML or mappings) with readable validation errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from services.market.simulation.scenario.models import Scenario

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "reference" / "scenarios"


class ScenarioError(ValueError):
    """A scenario document that cannot be used; the message lists every problem by field."""


def format_errors(exc: ValidationError, source: str) -> str:
    """Turn pydantic errors into one line per problem: `field.path: message`."""
    lines = [f"scenario {source!r} is invalid:"]
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(document)"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def list_scenarios() -> list[str]:
    """Names of the reference scenarios shipped with the service."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.yaml"))


def _read(name_or_path: str | Path) -> tuple[dict[str, Any], str]:
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = SCENARIO_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ScenarioError(f"scenario {str(name_or_path)!r} not found "
                            f"(reference scenarios: {', '.join(list_scenarios())})")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ScenarioError(f"scenario {path.name!r} must be a YAML mapping")
    return document, path.stem


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve(document: Mapping[str, Any], *, depth: int = 0) -> dict[str, Any]:
    """Apply `extends: <reference scenario>` (a deep merge over the named base document)."""
    if depth > 8:
        raise ScenarioError("scenario `extends` chain is too deep (a cycle?)")
    document = dict(document)
    base_name = document.pop("extends", None)
    if base_name is None:
        return document
    base, _ = _read(str(base_name))
    base.pop("description", None)
    return _merge(resolve(base, depth=depth + 1), document)


def parse_scenario(document: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
    """Validate a scenario mapping (as sent by the API or read from YAML)."""
    try:
        return Scenario.model_validate(resolve(document))
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, source)) from None


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a reference scenario by name (e.g. `baseline`) or a YAML file by path."""
    document, stem = _read(name_or_path)
    return parse_scenario(document, source=stem)


def with_parameters(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A copy of the scenario with dotted-path parameters replaced, validated again."""
    document = scenario.model_dump()
    for path, value in values.items():
        *parents, leaf = path.split(".")
        node = document
        for part in parents:
            if not isinstance(node.get(part), dict):
                raise ScenarioError(f"unknown scenario parameter {path!r}")
            node = node[part]
        if leaf not in node:
            raise ScenarioError(f"unknown scenario parameter {path!r}")
        node[leaf] = value
    return parse_scenario(document, source=scenario.name)
