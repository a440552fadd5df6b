"""The organisation directory API: list filters, reading, registering and changing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from services.identity.organisation.models import Organisation
from shared.testing.plugin import ServiceHarness
from shared.testing.tokens import TokenFactory
from tests.identity.conftest import Orgs
from tests.identity.helpers import bearer, is_problem, outbox_payloads, outbox_types

ADMIN = "user:doh-admin"


@dataclass
class Directory:
    """The test hierarchy plus organisations registered through the API by a DoH admin."""

    h: ServiceHarness
    orgs: Orgs
    admin: dict[str, str]
    reader: dict[str, str]
    registered: dict[str, dict[str, Any]]

    async def register(self, **body: Any) -> dict[str, Any]:
        response = await self.h.client.post("/organisations", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        self.registered[created["code"]] = created
        return created

    async def codes(self, **params: str) -> list[str]:
        response = await self.h.client.get("/organisations", params=params, headers=self.reader)
        assert response.status_code == 200, response.text
        return [item["code"] for item in response.json()["items"]]

    async def patch(self, code: str, **body: Any) -> Any:
        return await self.h.client.patch(f"/organisations/{self.registered[code]['id']}",
                                         json=body, headers=self.admin)

    async def history(self, code: str) -> list[dict[str, Any]]:
        response = await self.h.client.get(
            f"/organisations/{self.registered[code]['id']}/history", headers=self.reader)
        assert response.status_code == 200, response.text
        changes: list[dict[str, Any]] = response.json()
        return changes

    async def stored(self, code: str) -> Organisation:
        found = await self.h.session.get(Organisation, self.registered[code]["id"],
                                         populate_existing=True)
        assert found is not None
        return found


@pytest.fixture
async def directory(identity: ServiceHarness, orgs: Orgs, tokens: TokenFactory) -> Directory:
    """South West SHA (TQ39) with a PCT to 2013 (T5QQ) and one merged away in 2011 (T5QJ)."""
    d = Directory(identity, orgs, bearer(tokens, orgs.doh, "doh_admin", subject=ADMIN),
                  bearer(tokens, orgs.pct, "pct_commissioner"), {})
    await d.register(code="TQ39", name="South West SHA (test)", type="SHA", parent_code="TDH",
                     valid_from="2006-07-01")
    await d.register(code="T5QQ", name="Devon PCT (test)", type="PCT", parent_code="TQ39",
                     valid_from="2006-10-01")
    await d.register(code="T5QJ", name="Merged PCT (test)", type="PCT", parent_code="TQ39",
                     valid_from="2006-10-01", valid_to="2011-03-31")
    return d


class TestList:
    async def test_filters_by_type(self, directory: Directory) -> None:
        assert await directory.codes(type="SHA") == ["TQ30", "TQ31", "TQ39"]
        assert await directory.codes(type="CSU") == ["T0CS"]

    async def test_filters_by_parent_code(self, directory: Directory) -> None:
        assert await directory.codes(parent="TQ39") == ["T5QJ", "T5QQ"]
        assert await directory.codes(parent="TQ31") == ["T5NR", "T5NT"]

    @pytest.mark.parametrize(("day", "expected"), [
        ("2006-09-30", []),  # before either PCT existed
        ("2010-01-01", ["T5QJ", "T5QQ"]),
        ("2012-06-01", ["T5QQ"]),  # T5QJ was merged away in March 2011
        ("2013-03-31", ["T5QQ"]),  # the PCTs' last day
        ("2013-04-01", []),  # PCTs were abolished
    ])
    async def test_filters_by_the_date_an_organisation_was_active(
            self, directory: Directory, day: str, expected: list[str]) -> None:
        assert await directory.codes(parent="TQ39", active_on=day) == expected

    async def test_the_filters_combine(self, directory: Directory) -> None:
        assert await directory.codes(type="SHA", parent="TDH", active_on="2013-04-01") == [
            "TQ30", "TQ31"]  # the fixture's SHAs have no end date; TQ39 ends with its type

    async def test_pages_in_code_order_with_the_total(self, directory: Directory) -> None:
        response = await directory.h.client.get(
            "/organisations", params={"parent": "TQ39", "limit": 1, "offset": 1},
            headers=directory.reader)
        page = response.json()
        assert ([i["code"] for i in page["items"]], page["total"]) == (["T5QQ"], 2)
        assert (page["limit"], page["offset"]) == (1, 1)


class TestRead:
    async def test_reads_one_organisation_with_its_parent_and_period(
            self, directory: Directory) -> None:
        pct = directory.registered["T5QQ"]
        response = await directory.h.client.get(f"/organisations/{pct['id']}",
                                                headers=directory.reader)
        body = response.json()
        assert (body["code"], body["name"], body["type"]) == ("T5QQ", "Devon PCT (test)", "PCT")
        assert (body["parent_code"], body["parent_id"]) == (
            "TQ39", directory.registered["TQ39"]["id"])
        # No end given: a PCT's period ends with the PCT type, on 31 March 2013.
        assert (body["valid_from"], body["valid_to"], body["version"]) == (
            "2006-10-01", "2013-03-31", 1)

    @pytest.mark.parametrize("suffix", ["", "/history"])
    async def test_an_unknown_organisation_is_a_404_problem(
            self, directory: Directory, suffix: str) -> None:
        response = await directory.h.client.get(
            f"/organisations/00000000-0000-0000-0000-000000000000{suffix}",
            headers=directory.reader)
        assert is_problem(response, 404)
        assert "00000000-0000-0000-0000-000000000000" in response.json()["detail"]


class TestRegister:
    async def test_registering_records_history_and_publishes_the_organisation(
            self, directory: Directory) -> None:
        (entry,) = await directory.history("T5QJ")
        assert (entry["version"], entry["action"], entry["actor"]) == (1, "registered", ADMIN)
        assert entry["changes"]["valid_to"] == [None, "2011-03-31"]
        events = [e for e in await outbox_payloads(directory.h.session)
                  if e["data"]["code"] == "T5QJ"]
        assert [e["type"] for e in events] == ["identity.organisation.registered.v1"]
        assert events[0]["data"]["parent_code"] == "TQ39"

    async def test_a_code_already_taken_is_a_409_and_adds_nothing(
            self, directory: Directory) -> None:
        before = await outbox_types(directory.h.session)
        response = await directory.h.client.post("/organisations", headers=directory.admin, json={
            "code": "T5QQ", "name": "Another Devon", "type": "PCT", "parent_code": "TQ39",
            "valid_from": "2007-04-01"})
        assert is_problem(response, 409)
        assert await directory.codes(parent="TQ39") == ["T5QJ", "T5QQ"]
        assert await outbox_types(directory.h.session) == before

    @pytest.mark.parametrize(("body", "field"), [
        ({"parent_code": "TQ39", "valid_to": "2013-06-30"}, "valid_to"),  # PCTs ended 31/3/13
        ({"parent_code": "TDH"}, "parent_code"),  # a PCT's parent must be an SHA
        ({}, "parent_code"),  # a PCT needs a parent
    ], ids=["pct-outliving-pcts", "parent-of-wrong-type", "no-parent"])
    async def test_a_pct_breaking_a_rule_is_a_422_and_adds_nothing(
            self, directory: Directory, body: dict[str, Any], field: str) -> None:
        before = await outbox_types(directory.h.session)
        response = await directory.h.client.post("/organisations", headers=directory.admin, json={
            "code": "T5ZZ", "name": "Rule breaker PCT", "type": "PCT",
            "valid_from": "2007-04-01", **body})
        assert is_problem(response, 422)
        assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]
        assert "T5ZZ" not in await directory.codes(type="PCT")
        assert await outbox_types(directory.h.session) == before


class TestUpdate:
    async def test_a_change_bumps_the_version_and_records_old_and_new_values(
            self, directory: Directory) -> None:
        response = await directory.patch("T5QQ", name="NHS Devon (test)")
        assert (response.json()["name"], response.json()["version"]) == ("NHS Devon (test)", 2)
        registered, updated = await directory.history("T5QQ")
        assert registered["version"] == 1
        assert (updated["version"], updated["action"], updated["actor"]) == (2, "updated", ADMIN)
        assert updated["changes"] == {"name": ["Devon PCT (test)", "NHS Devon (test)"]}
        event = (await outbox_payloads(directory.h.session))[-1]
        assert (event["type"], event["data"]["changed"], event["data"]["name"]) == (
            "identity.organisation.updated.v1", ["name"], "NHS Devon (test)")

    async def test_moving_a_pct_to_another_sha_records_both_parent_fields(
            self, directory: Directory) -> None:
        response = await directory.patch("T5QQ", parent_code="TQ31")
        assert (response.json()["parent_code"], response.json()["parent_id"]) == (
            "TQ31", directory.orgs.sha.id)
        changes = (await directory.history("T5QQ"))[-1]["changes"]
        assert changes == {
            "parent_code": ["TQ39", "TQ31"],
            "parent_id": [directory.registered["TQ39"]["id"], directory.orgs.sha.id]}
        assert await directory.codes(parent="TQ39") == ["T5QJ"]

    async def test_sending_the_current_values_changes_and_publishes_nothing(
            self, directory: Directory) -> None:
        before = await outbox_types(directory.h.session)
        response = await directory.patch("T5QQ", name="Devon PCT (test)",
                                         valid_to="2013-03-31")
        assert response.json()["version"] == 1
        assert len(await directory.history("T5QQ")) == 1
        assert await outbox_types(directory.h.session) == before

    async def test_a_pct_outliving_2013_03_31_is_a_422_and_changes_nothing(
            self, directory: Directory) -> None:
        before = await outbox_types(directory.h.session)
        response = await directory.patch("T5QQ", name="Renamed", valid_to="2013-04-30")
        assert is_problem(response, 422)
        assert response.json()["errors"][0]["loc"] == ["body", "valid_to"]
        stored = await directory.stored("T5QQ")
        assert (stored.name, stored.valid_to.isoformat() if stored.valid_to else None,
                stored.version) == ("Devon PCT (test)", "2013-03-31", 1)
        assert len(await directory.history("T5QQ")) == 1
        assert await outbox_types(directory.h.session) == before

    async def test_an_organisation_cannot_be_its_own_parent(self, directory: Directory) -> None:
        before = await outbox_types(directory.h.session)
        response = await directory.patch("T5QQ", parent_code="T5QQ")
        assert is_problem(response, 422)
        assert "own parent" in response.json()["detail"]
        assert response.json()["errors"][0]["loc"] == ["body", "parent_code"]
        stored = await directory.stored("T5QQ")
        assert (stored.parent_code, stored.version) == ("TQ39", 1)
        assert await outbox_types(directory.h.session) == before

    async def test_a_valid_to_before_valid_from_is_a_422(self, directory: Directory) -> None:
        response = await directory.patch("T5QQ", valid_to="2005-01-01")
        assert is_problem(response, 422)
        assert (await directory.stored("T5QQ")).version == 1
