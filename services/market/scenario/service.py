"""Scenarios: the built-in reference documents and custom ones that change a built-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.market.scenario.models import CustomScenario
from services.market.scenario.schemas import ScenarioCreate
from services.market.simulation.scenario import (
    SCENARIO_DIR,
    Scenario,
    list_scenarios,
    load_scenario,
)
from services.market.simulation.scenario.loading import resolve
from shared.auth import Principal
from shared.errors import Conflict, NotFound, Problem
from shared.pagination import PageParams

RESERVED = ("name", "extends", "description")


class InvalidScenario(Problem):
    """A scenario document that the simulation's models reject; `errors` gives field paths."""

    status, slug, title = 422, "validation-error", "Invalid request"


@dataclass(frozen=True)
class ScenarioView:
    """A scenario as the API shows it (built-in or custom)."""

    name: str
    kind: str
    extends: str | None
    description: str
    owner_org_id: str | None
    created_by: str | None
    created_at: datetime | None
    parameters: dict[str, Any]
    document: dict[str, Any]


@cache
def builtin_names() -> tuple[str, ...]:
    return tuple(list_scenarios())


@cache
def builtin(name: str) -> ScenarioView:
    """A reference scenario from reference/scenarios/ (read once)."""
    raw = yaml.safe_load((SCENARIO_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    scenario = load_scenario(name)
    parameters = {key: value for key, value in raw.items() if key not in RESERVED}
    return ScenarioView(name, "built-in", raw.get("extends"), scenario.description, None, None,
                        None, to_jsonable_python(parameters), scenario.model_dump(mode="json"))


def view_of(row: CustomScenario) -> ScenarioView:
    return ScenarioView(row.name, "custom", row.extends, row.description, row.owner_org_id,
                        row.created_by, row.created_at, row.parameters, row.document)


async def find(session: AsyncSession, name: str) -> ScenarioView | None:
    """A built-in or custom scenario by name, or None."""
    if name in builtin_names():
        return builtin(name)
    row = await session.scalar(select(CustomScenario).where(CustomScenario.name == name))
    return view_of(row) if row is not None else None


async def get(session: AsyncSession, name: str) -> ScenarioView:
    found = await find(session, name)
    if found is None:
        raise NotFound(f"scenario {name!r} does not exist")
    return found


async def get_all(session: AsyncSession, page: PageParams) -> tuple[list[ScenarioView], int]:
    """Built-in scenarios first (by name), then custom ones (by name)."""
    names = builtin_names()
    items = [builtin(name) for name in names[page.offset:page.offset + page.limit]]
    customs = int(await session.scalar(select(func.count()).select_from(CustomScenario)) or 0)
    room = page.limit - len(items)
    if room > 0:
        rows = await session.scalars(select(CustomScenario).order_by(CustomScenario.name)
                                     .offset(max(0, page.offset - len(names))).limit(room))
        items += [view_of(row) for row in rows]
    return items, len(names) + customs


def validate(data: ScenarioCreate) -> Scenario:
    """The complete document, validated by the simulation's models (422 with field paths)."""
    if data.extends not in builtin_names():
        raise InvalidScenario("a custom scenario extends a built-in scenario", errors=[{
            "loc": ["body", "extends"], "type": "value_error",
            "msg": f"unknown built-in scenario; choose from {', '.join(builtin_names())}"}])
    reserved = [key for key in RESERVED if key in data.parameters]
    if reserved:
        raise InvalidScenario("name, extends and description are set outside parameters",
                              errors=[{"loc": ["body", "parameters", key], "type": "value_error",
                                       "msg": "set at the top level of the request"}
                                      for key in reserved])
    document = {**data.parameters, "name": data.name, "extends": data.extends,
                "description": data.description or f"{data.extends}, changed"}
    try:
        return Scenario.model_validate(resolve(document))
    except ValidationError as exc:
        errors = [{"loc": ["body", "parameters", *error["loc"]], "type": error["type"],
                   "msg": error["msg"].removeprefix("Value error, ")} for error in exc.errors()]
        raise InvalidScenario(f"{len(errors)} scenario parameter(s) are invalid",
                              errors=errors) from None


async def create(session: AsyncSession, data: ScenarioCreate, *, by: Principal,
                 now: datetime) -> ScenarioView:
    """Store a custom scenario for the caller's organisation (names are unique)."""
    scenario = validate(data)
    if await find(session, data.name) is not None:
        raise Conflict(f"a scenario named {data.name!r} exists already")
    row = CustomScenario(name=data.name, extends=data.extends, description=scenario.description,
                         parameters=to_jsonable_python(data.parameters),
                         document=scenario.model_dump(mode="json"), owner_org_id=by.org_id,
                         created_by=by.subject, created_at=now)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:  # created by someone else a moment ago
        raise Conflict(f"a scenario named {data.name!r} exists already") from None
    return view_of(row)
