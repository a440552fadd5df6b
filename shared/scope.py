"""Which organisations' data a principal may see: deny by default.

- DOH and NHSCB principals see every organisation;
- an SHA principal sees itself and its PCTs (the organisations whose parent it is);
- a PCT, CCG, CSU or SUPPLIER principal sees only its own organisation;
- any other organisation type sees nothing.

The rules need only the organisation hierarchy, behind `OrganisationDirectory`: identity reads
its own `organisation` table, the other services their `organisation_directory` read model
(shared/directory.py); both are served by `TableDirectory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final, Protocol

from sqlalchemy import ColumnElement, FromClause, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal

SEES_ALL: Final = frozenset({"DOH", "NHSCB"})
SEES_CHILDREN: Final = frozenset({"SHA"})
SEES_OWN: Final = frozenset({"PCT", "CCG", "CSU", "SUPPLIER"})


class AllOrganisations:
    """Every organisation, present and future (contains any id)."""

    def __contains__(self, org_id: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL"


ALL: Final = AllOrganisations()
Visible = set[str] | AllOrganisations


class OrganisationDirectory(Protocol):
    async def parent_of(self, org_id: str) -> str | None: ...

    async def children_of(self, org_id: str) -> set[str]: ...


async def visible_organisations(principal: Principal, directory: OrganisationDirectory,
                                ) -> Visible:
    """The organisation ids whose data `principal` may see, or ALL."""
    if principal.org_type in SEES_ALL:
        return ALL
    if principal.org_type in SEES_CHILDREN:
        return {principal.org_id} | await directory.children_of(principal.org_id)
    if principal.org_type in SEES_OWN:
        return {principal.org_id}
    return set()


async def can_see(principal: Principal, org_id: str, directory: OrganisationDirectory) -> bool:
    """True when `principal` may see the data of organisation `org_id`."""
    if principal.org_type in SEES_ALL:
        return True
    if principal.org_type in SEES_CHILDREN | SEES_OWN and org_id == principal.org_id:
        return True
    if principal.org_type in SEES_CHILDREN:
        return await directory.parent_of(org_id) == principal.org_id
    return False


def within(column: Any, visible: Visible) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows of `column`'s organisations that are visible."""
    if isinstance(visible, AllOrganisations):
        return true()
    return column.in_(sorted(visible)) if visible else false()


class TableDirectory:
    """The hierarchy held in a table with an id column and a parent-id column."""

    def __init__(self, session: AsyncSession, table: FromClause, *,
                 id_column: str = "organisation_id", parent_column: str = "parent_id",
                 on: date | None = None) -> None:
        self.session = session
        self.id = table.c[id_column]
        self.parent = table.c[parent_column]
        self.table = table
        self.on = on

    async def parent_of(self, org_id: str) -> str | None:
        query = self._active(select(self.parent).where(self.id == org_id))
        return await self.session.scalar(query)

    async def children_of(self, org_id: str) -> set[str]:
        query = self._active(select(self.id).where(self.parent == org_id))
        return set((await self.session.scalars(query)).all())

    def _active(self, query: Any) -> Any:
        # With `on`, only organisations that existed that day count (a PCT abolished in 2013
        # is not an SHA's child in 2014).
        if self.on is None:
            return query
        columns = self.table.c
        return query.where(columns.valid_from <= self.on).where(
            columns.valid_to.is_(None) | (columns.valid_to >= self.on))


def identity_directory(session: AsyncSession, organisation: FromClause, *,
                       on: date | None = None) -> TableDirectory:
    """Identity's own `organisation` table (its id column is `id`)."""
    return TableDirectory(session, organisation, id_column="id", on=on)


class MappingDirectory:
    """A hierarchy held in memory as child id -> parent id (tests, caches)."""

    def __init__(self, parents: Mapping[str, str | None] | Iterable[tuple[str, str | None]],
                 ) -> None:
        self.parents = dict(parents)

    async def parent_of(self, org_id: str) -> str | None:
        return self.parents.get(org_id)

    async def children_of(self, org_id: str) -> set[str]:
        return {child for child, parent in self.parents.items() if parent == org_id}
