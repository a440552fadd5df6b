"""The history: each change of an object is an RFC 6902 JSON Patch of its state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jsonpatch
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.history.models import Change
from shared.auth import Principal


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a user (subject and organisation) or the system (an event)."""

    name: str
    org_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.subject, principal.org_id)


def record(session: AsyncSession, *, aggregate: str, aggregate_id: str, version: int,
           action: str, actor: Actor, at: datetime, before: Mapping[str, Any],
           after: Mapping[str, Any]) -> Change:
    """Append the change from `before` to `after` (JSON-ready snapshots) to the history."""
    patch = jsonpatch.make_patch(dict(before), dict(after)).patch
    change = Change(aggregate=aggregate, aggregate_id=aggregate_id, version=version,
                    action=action, actor=actor.name, actor_org_id=actor.org_id, at=at,
                    patch=patch)
    session.add(change)
    return change


async def next_version(session: AsyncSession, aggregate: str, aggregate_id: str) -> int:
    """The version of an object's next history entry, for objects without a version column."""
    await session.flush()
    found = await session.scalar(select(func.count()).select_from(Change).where(
        Change.aggregate == aggregate, Change.aggregate_id == aggregate_id))
    return int(found or 0) + 1


async def changes(session: AsyncSession, aggregate: str, aggregate_id: str) -> Sequence[Change]:
    """Every change of one object, oldest first."""
    return (await session.scalars(
        select(Change).where(Change.aggregate == aggregate, Change.aggregate_id == aggregate_id)
        .order_by(Change.id))).all()


def replay(history: Sequence[Change]) -> dict[str, Any]:
    """The object's state after applying every patch in order (proves the history complete)."""
    state: dict[str, Any] = {}
    for change in history:
        state = jsonpatch.apply_patch(state, change.patch)
    return state
