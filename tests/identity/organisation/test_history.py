"""The organisation change history is append-only: the database refuses to rewrite it."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from services.identity.organisation.models import OrganisationChange
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import bearer


async def history(h: ServiceHarness, organisation_id: str,
                  headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await h.client.get(f"/organisations/{organisation_id}/history", headers=headers)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


@pytest.fixture
async def renamed_twice(identity: ServiceHarness, orgs: Orgs,
                        tokens: TokenFactory) -> list[list[dict[str, Any]]]:
    """A supplier registered through the API, then renamed twice; its history after each step."""
    admin = bearer(tokens, orgs.doh, "doh_admin", subject="user:doh-admin")
    created = await identity.client.post("/organisations", headers=admin, json={
        "code": "TSUP9", "name": "Acme Health Analytics", "type": "SUPPLIER",
        "valid_from": "2008-01-01"})
    steps = [await history(identity, created.json()["id"], admin)]
    for name in ("Acme Health Intelligence", "Acme Commissioning Support"):
        response = await identity.client.patch(f"/organisations/{created.json()['id']}",
                                               headers=admin, json={"name": name})
        assert response.status_code == 200, response.text
        steps.append(await history(identity, created.json()["id"], admin))
    return steps


async def rows(h: ServiceHarness) -> list[tuple[Any, ...]]:
    result = await h.session.execute(
        select(OrganisationChange.id, OrganisationChange.version, OrganisationChange.actor,
               OrganisationChange.changes).order_by(OrganisationChange.id))
    return [tuple(row) for row in result.all()]


class TestAppendOnly:
    async def test_each_change_adds_an_entry_and_leaves_the_earlier_ones_as_they_were(
            self, renamed_twice: list[list[dict[str, Any]]]) -> None:
        assert [len(step) for step in renamed_twice] == [1, 2, 3]
        for earlier, later in pairwise(renamed_twice):
            assert later[:len(earlier)] == earlier
        assert [entry["version"] for entry in renamed_twice[-1]] == [1, 2, 3]
        assert renamed_twice[-1][2]["changes"] == {
            "name": ["Acme Health Intelligence", "Acme Commissioning Support"]}

    async def test_the_database_refuses_to_update_a_history_row(
            self, identity: ServiceHarness, renamed_twice: Any) -> None:
        before = await rows(identity)
        with pytest.raises(DBAPIError, match="append-only"):
            async with identity.session.begin_nested():
                await identity.session.execute(
                    update(OrganisationChange).values(actor="someone else")
                    .where(OrganisationChange.version == 2))
        assert await rows(identity) == before

    async def test_the_database_refuses_to_delete_a_history_row(
            self, identity: ServiceHarness, renamed_twice: Any) -> None:
        before = await rows(identity)
        with pytest.raises(DBAPIError, match="append-only"):
            async with identity.session.begin_nested():
                await identity.session.execute(delete(OrganisationChange))
        assert len(before) == 3
        assert await rows(identity) == before
