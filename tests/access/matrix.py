"""The access matrix of tests/access/matrix.yaml: who may call which route of which service."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MATRIX = HERE / "matrix.yaml"
ROLES = REPO / "services" / "identity" / "reference" / "roles.yaml"
DEFAULT = "*"
REFUSED = "—"
ALLOWING = frozenset({"yes", "published", "unpublished"})


@dataclass(frozen=True)
class Persona:
    """A column of the matrix: a role held by a user of an organisation of one type."""

    id: str
    role: str
    org_type: str
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """A cell's meaning: its label and the outcome for each relation (`otherwise` for the rest)."""

    name: str
    label: str
    note: str
    outcomes: dict[str, str]
    otherwise: str

    def outcome(self, relation: str) -> str:
        return self.outcomes.get(relation, self.otherwise)

    def all_outcomes(self) -> set[str]:
        return {*self.outcomes.values(), self.otherwise}

    @property
    def allows(self) -> bool:
        """True when the caller gets through in at least one relation."""
        return bool(self.all_outcomes() & ALLOWING)

    @property
    def public(self) -> bool:
        return self.name == "public"


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    path: str
    cells: dict[str, str]  # persona id (or "*") -> rule name

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def rule_name(self, persona: Persona) -> str:
        return self.cells.get(persona.id, self.cells.get(DEFAULT, REFUSED))


@dataclass(frozen=True)
class Matrix:
    personas: dict[str, Persona]
    relations: dict[str, str]
    rules: dict[str, Rule]
    services: dict[str, dict[str, Route]]  # service -> "METHOD /path" -> route
    about: dict[str, str]

    def rule(self, route: Route, persona: Persona) -> Rule:
        return self.rules[route.rule_name(persona)]

    def route(self, service: str, key: str) -> Route:
        return self.services[service][key]

    def outcome(self, service: str, key: str, persona: str, relation: str) -> str:
        """What `persona` gets from `key` of `service` on data in `relation` to it."""
        return self.rule(self.route(service, key), self.personas[persona]).outcome(relation)


def _outcome(value: Any) -> str:
    # YAML 1.1 reads an unquoted `yes` as true and 403 as a number.
    return "yes" if value is True else str(value)


@cache
def load(path: Path = MATRIX) -> Matrix:
    data = yaml.safe_load(path.read_text())
    personas = {pid: Persona(pid, p["role"], p["org_type"], p.get("note", ""))
                for pid, p in data["personas"].items()}
    rules = {}
    for name, spec in data["rules"].items():
        outcomes = {rel: _outcome(v) for rel, v in spec.items()
                    if rel not in {"label", "note", "else"}}
        rules[str(name)] = Rule(str(name), str(spec["label"]), spec.get("note", ""), outcomes,
                                _outcome(spec["else"]))
    services: dict[str, dict[str, Route]] = {}
    about = {}
    for service, spec in data["services"].items():
        about[service] = spec.get("about", "")
        services[service] = {}
        for key, cells in spec["routes"].items():
            method, route_path = key.split(" ", 1)
            services[service][key] = Route(service, method, route_path,
                                           {str(k): str(v) for k, v in cells.items()})
    return Matrix(personas, dict(data["relations"]), rules, services, about)


def catalogue_roles() -> list[str]:
    """The roles of services/identity/reference/roles.yaml, in their order."""
    return list(yaml.safe_load(ROLES.read_text())["roles"])


def catalogue_org_types() -> dict[str, list[str]]:
    roles = yaml.safe_load(ROLES.read_text())["roles"]
    return {name: list(spec["org_types"]) for name, spec in roles.items()}
