"""shared.scope: which organisations a principal sees (deny by default), over any directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from shared.auth import Principal
from shared.directory import directory_table
from shared.scope import (
    ALL,
    MappingDirectory,
    OrganisationDirectory,
    TableDirectory,
    can_see,
    visible_organisations,
    within,
)

# child -> parent: DoH > NHS CB > CCG; DoH > two SHAs > their PCTs; a supplier on its own.
HIERARCHY: dict[str, str | None] = {
    "DH": None, "X24": "DH", "00W": "X24", "Q31": "DH", "Q30": "DH",
    "5NT": "Q31", "5NR": "Q31", "5D7": "Q30", "FESC01": None, "CSU1": "X24",
}
TYPES = {"DH": "DOH", "X24": "NHSCB", "00W": "CCG", "Q31": "SHA", "Q30": "SHA", "5NT": "PCT",
         "5NR": "PCT", "5D7": "PCT", "FESC01": "SUPPLIER", "CSU1": "CSU"}


def principal(org_id: str, org_type: str | None = None) -> Principal:
    return Principal(subject="u", org_id=org_id,
                     org_type=TYPES[org_id] if org_type is None else org_type,
                     roles=frozenset(), token_id="t", expires_at=0)


VISIBLE = [
    ("DH", ALL), ("X24", ALL), ("Q31", {"Q31", "5NT", "5NR"}), ("Q30", {"Q30", "5D7"}),
    ("5NT", {"5NT"}), ("FESC01", {"FESC01"}), ("00W", {"00W"}), ("CSU1", {"CSU1"}),
]
# (who, whose data, may see)
CAN_SEE = [
    ("Q31", "5NT", True), ("Q31", "Q31", True), ("Q31", "5D7", False), ("Q31", "Q30", False),
    ("Q31", "DH", False), ("Q31", "FESC01", False), ("5NT", "5NT", True), ("5NT", "5NR", False),
    ("5NT", "Q31", False), ("FESC01", "5NT", False), ("FESC01", "FESC01", True),
    ("00W", "X24", False), ("00W", "00W", True), ("DH", "FESC01", True), ("X24", "5D7", True),
    ("CSU1", "00W", False),
]


class TestRules:
    @pytest.mark.parametrize(("org", "expected"), VISIBLE)
    async def test_visible_organisations(self, org: str, expected: object) -> None:
        assert await visible_organisations(principal(org), MappingDirectory(HIERARCHY)) == expected

    @pytest.mark.parametrize(("who", "whose", "allowed"), CAN_SEE)
    async def test_can_see(self, who: str, whose: str, allowed: bool) -> None:
        assert await can_see(principal(who), whose, MappingDirectory(HIERARCHY)) is allowed

    @pytest.mark.parametrize("org_type", ["", "ALIEN", "pct", "GP"])
    async def test_an_unknown_organisation_type_sees_nothing(self, org_type: str) -> None:
        who = principal("5NT", org_type)
        assert await visible_organisations(who, MappingDirectory(HIERARCHY)) == set()
        assert await can_see(who, "5NT", MappingDirectory(HIERARCHY)) is False

    def test_all_contains_any_organisation(self) -> None:
        assert "anything" in ALL and repr(ALL) == "ALL"


@pytest.fixture
async def session() -> AsyncIterator[AsyncSession]:
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    async with engine.connect() as conn:
        yield AsyncSession(bind=conn)
    await engine.dispose()


async def directory_rows(session: AsyncSession, table: Table) -> None:
    await session.run_sync(lambda s: table.metadata.create_all(s.connection()))
    valid_to = {"5NR": date(2011, 3, 31)}  # merged away before 2012
    await session.execute(table.insert(), [
        {"organisation_id": org, "code": org, "name": org, "type": TYPES[org],
         "parent_id": parent, "valid_from": date(2006, 7, 1), "valid_to": valid_to.get(org),
         "updated_at": datetime.now(UTC)} for org, parent in HIERARCHY.items()])


class TestOverTheDirectoryTable:
    async def test_the_read_model_of_other_services_gives_the_same_answers(
            self, session: AsyncSession) -> None:
        table = directory_table(MetaData())
        await directory_rows(session, table)
        directory: OrganisationDirectory = TableDirectory(session, table)
        for who, whose, allowed in CAN_SEE:
            assert await can_see(principal(who), whose, directory) is allowed, (who, whose)
        assert await visible_organisations(principal("Q31"), directory) == {"Q31", "5NT", "5NR"}

    async def test_on_a_date_only_organisations_then_active_count(
            self, session: AsyncSession) -> None:
        table = directory_table(MetaData())
        await directory_rows(session, table)
        directory = TableDirectory(session, table, on=date(2012, 1, 1))
        assert await visible_organisations(principal("Q31"), directory) == {"Q31", "5NT"}
        assert await can_see(principal("Q31"), "5NR", directory) is False

    async def test_within_filters_a_query_to_the_visible_organisations(
            self, session: AsyncSession) -> None:
        table = directory_table(MetaData())
        await directory_rows(session, table)
        column = table.c.organisation_id
        for visible, expected in (({"5NT", "Q31"}, ["5NT", "Q31"]), (set(), []),
                                  (ALL, sorted(HIERARCHY))):
            rows = await session.scalars(select(column).where(within(column, visible))
                                         .order_by(column))
            assert list(rows) == expected
