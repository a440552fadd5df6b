"""Rules for registering and changing organisations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.database import outbox
from services.identity.organisation import repository
from services.identity.organisation.models import Organisation, OrganisationChange
from services.identity.organisation.reference import organisation_types
from services.identity.organisation.schemas import OrganisationCreate, OrganisationUpdate
from shared.errors import Conflict, NotFound, RuleViolation
from shared.events.contracts.identity import OrganisationRegistered, OrganisationUpdated
from shared.pagination import PageParams

TRACKED = ("name", "parent_id", "parent_code", "valid_from", "valid_to")


async def get(session: AsyncSession, organisation_id: str) -> Organisation:
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} does not exist")
    return organisation


async def get_all(session: AsyncSession, page: PageParams, *, type_: str | None = None,
                  parent_code: str | None = None, active_on: date | None = None,
                  ) -> tuple[Sequence[Organisation], int]:
    query = repository.filtered(type_=type_, parent_code=parent_code, active_on=active_on)
    return await repository.page(session, query, limit=page.limit, offset=page.offset)


async def register(session: AsyncSession, data: OrganisationCreate, *, actor: str,
                   ) -> Organisation:
    """Add an organisation to the directory and announce it."""
    if await repository.by_code(session, data.code) is not None:
        raise Conflict(f"an organisation with code {data.code} already exists")
    parent = await _checked_parent(session, data.type, data.parent_code)
    valid_to = _checked_period(data.type, data.valid_from, data.valid_to)
    now = datetime.now(UTC)
    organisation = Organisation(
        code=data.code, name=data.name, type=data.type,
        parent_id=parent.id if parent else None, parent_code=parent.code if parent else None,
        valid_from=data.valid_from, valid_to=valid_to, version=1, created_at=now, updated_at=now)
    session.add(organisation)
    await session.flush()
    _record(session, organisation, "registered", actor,
            {field: [None, _plain(getattr(organisation, field))] for field in TRACKED})
    await outbox.add(session, OrganisationRegistered(**_state(organisation)))
    return organisation


async def update(session: AsyncSession, organisation_id: str, data: OrganisationUpdate, *,
                 actor: str) -> Organisation:
    """Change an organisation; the history and the event carry what changed."""
    organisation = await get(session, organisation_id)
    fields = data.model_dump(exclude_unset=True)
    if "parent_code" in fields:
        if fields["parent_code"] == organisation.code:
            raise RuleViolation("an organisation cannot be its own parent", errors=[
                {"loc": ["body", "parent_code"], "msg": "is the organisation itself"}])
        parent = await _checked_parent(session, organisation.type, fields["parent_code"])
        fields["parent_id"] = parent.id if parent else None
    valid_from = fields.get("valid_from", organisation.valid_from)
    fields["valid_to"] = _checked_period(organisation.type, valid_from,
                                         fields.get("valid_to", organisation.valid_to))
    changes = {
        field: [_plain(getattr(organisation, field)), _plain(value)]
        for field, value in fields.items() if getattr(organisation, field) != value
    }
    if not changes:
        return organisation
    for field, value in fields.items():
        setattr(organisation, field, value)
    organisation.version += 1
    organisation.updated_at = datetime.now(UTC)
    _record(session, organisation, "updated", actor, changes)
    await outbox.add(session, OrganisationUpdated(**_state(organisation), changed=sorted(changes)))
    return organisation


async def history(session: AsyncSession, organisation_id: str) -> Sequence[OrganisationChange]:
    await get(session, organisation_id)
    return await repository.history(session, organisation_id)


async def _checked_parent(session: AsyncSession, type_: str, parent_code: str | None,
                          ) -> Organisation | None:
    expected = organisation_types()[type_].parent
    if expected is None:
        if parent_code is not None:
            raise RuleViolation(f"a {type_} has no parent organisation",
                                errors=[{"loc": ["body", "parent_code"], "msg": "must be empty"}])
        return None
    if parent_code is None:
        raise RuleViolation(f"a {type_} needs a parent of type {expected}",
                            errors=[{"loc": ["body", "parent_code"], "msg": "required"}])
    parent = await repository.by_code(session, parent_code)
    if parent is None or parent.type != expected:
        raise RuleViolation(
            f"the parent of a {type_} must be an existing {expected}",
            errors=[{"loc": ["body", "parent_code"], "msg": f"{parent_code} is not a {expected}"}])
    return parent


def _checked_period(type_: str, valid_from: date, valid_to: date | None) -> date | None:
    """A period within the life of the organisation type; ends default to the type's end."""
    type_end = organisation_types()[type_].valid_to
    valid_to = valid_to if valid_to is not None else type_end
    if valid_to is not None and valid_to < valid_from:
        raise RuleViolation("valid_to must not be before valid_from",
                            errors=[{"loc": ["body", "valid_to"], "msg": "before valid_from"}])
    if type_end is not None and valid_to is not None and valid_to > type_end:
        raise RuleViolation(
            f"{type_}s ceased to exist on {type_end.isoformat()}",
            errors=[{"loc": ["body", "valid_to"], "msg": f"after {type_end.isoformat()}"}])
    return valid_to


def _record(session: AsyncSession, organisation: Organisation, action: str, actor: str,
            changes: dict[str, Any]) -> None:
    session.add(OrganisationChange(
        organisation_id=organisation.id, version=organisation.version, action=action,
        actor=actor, at=organisation.updated_at, changes=changes))


def _state(organisation: Organisation) -> dict[str, Any]:
    return {
        "organisation_id": organisation.id, "code": organisation.code,
        "name": organisation.name, "type": organisation.type,
        "parent_id": organisation.parent_id, "parent_code": organisation.parent_code,
        "valid_from": organisation.valid_from, "valid_to": organisation.valid_to,
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
