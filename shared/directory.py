"""The organisation directory each service keeps from identity's events, for scope checks.

Identity owns organisations; the other services hold this read-only copy (type, parent,
validity) so that they can answer "may this principal see that organisation's data?" without
a synchronous call. Events carry the organisation's full state, so applying one is an upsert.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Date, DateTime, MetaData, String, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.consumer import Handler
from shared.events.contracts.identity import OrganisationRegistered, OrganisationUpdated
from shared.events.envelope import Envelope

# The columns an event sets: every one but the key (events carry the organisation's full state).
_STATE = ("code", "name", "type", "parent_id", "valid_from", "valid_to", "updated_at")


def directory_table(metadata: MetaData) -> Table:
    return Table(
        "organisation_directory",
        metadata,
        Column("organisation_id", String(36), primary_key=True),
        Column("code", String(20), nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("type", String(20), nullable=False, index=True),
        Column("parent_id", String(36), nullable=True, index=True),
        Column("valid_from", Date, nullable=False),
        Column("valid_to", Date, nullable=True),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


def directory_handlers(table: Table) -> dict[str, Handler]:
    """Consumer handlers that keep `table` in step with identity's organisation events."""
    upserts: dict[str, Any] = {}

    def upsert(dialect: str) -> Any:
        """INSERT ... ON CONFLICT (organisation_id) DO UPDATE, built once per dialect.

        Only a clash on the organisation id turns into the update: a code already held by
        another organisation still fails with an IntegrityError, as it should."""
        statement = upserts.get(dialect)
        if statement is None:
            insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
            statement = upserts[dialect] = insert.on_conflict_do_update(
                index_elements=[table.c.organisation_id],
                set_={name: insert.excluded[name] for name in _STATE})
        return statement

    async def apply(session: AsyncSession, envelope: Envelope,
                    payload: OrganisationRegistered | OrganisationUpdated) -> None:
        values = {
            "code": payload.code, "name": payload.name, "type": payload.type,
            "parent_id": payload.parent_id, "valid_from": payload.valid_from,
            "valid_to": payload.valid_to, "updated_at": envelope.time,
        }
        dialect = session.get_bind().dialect.name
        if dialect in ("postgresql", "sqlite"):
            await session.execute(upsert(dialect),
                                  {"organisation_id": payload.organisation_id, **values})
            return
        result = await session.execute(
            update(table).where(table.c.organisation_id == payload.organisation_id)
            .values(**values))
        if cast(CursorResult[Any], result).rowcount == 0:
            await session.execute(
                table.insert().values(organisation_id=payload.organisation_id, **values))

    return {
        "identity.organisation.registered.v1": apply,
        "identity.organisation.updated.v1": apply,
    }


async def get_entry(session: AsyncSession, table: Table,
                    organisation_id: str) -> dict[str, Any] | None:
    row = (await session.execute(
        select(table).where(table.c.organisation_id == organisation_id))).mappings().first()
    return dict(row) if row else None


async def children_of(session: AsyncSession, table: Table, parent_id: str,
                      *, on: date | None = None) -> list[str]:
    """Ids of the organisations whose parent is `parent_id` (active on `on` when given)."""
    query = select(table.c.organisation_id).where(table.c.parent_id == parent_id)
    if on is not None:
        query = query.where(table.c.valid_from <= on).where(
            (table.c.valid_to.is_(None)) | (table.c.valid_to >= on))
    return list((await session.scalars(query)).all())

