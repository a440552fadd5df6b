"""The API's OCDS output, validated offline by libcoveocds, and the change feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.procurement.clock import FixedClock
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    World,
    bid,
    is_problem,
    ok,
    open_call_off,
    signed_contract,
)
from tests.procurement.rules.fesc_ocds_validation import review


def assert_valid(package: dict[str, Any], tmp_path: Path) -> None:
    result = review(package, tmp_path)
    assert result["validation_errors"] == []
    assert result["additional_closed_codelist_values"] == {}
    assert result["additional_fields"] == []
    assert result["extensions"]["invalid_extension"] == {}


class TestPackages:
    async def test_the_framework_is_public_valid_open_data(self, proc: ServiceHarness,
                                                           world: World,
                                                           tmp_path: Path) -> None:
        package = ok(await proc.client.get("/ocds/framework"))
        assert_valid(package, tmp_path)
        release = package["releases"][0]
        assert release["ocid"] == "ocds-fesc07-FESC" and len(release["awards"]) == 14

    async def test_the_framework_shows_each_supplier_as_it_stands_today(
            self, proc: ServiceHarness, world: World, clock: FixedClock,
            tmp_path: Path) -> None:
        for code, action, effective_on in (("FESC04", "suspend", "2008-06-02"),
                                           ("FESC05", "remove", "2008-05-30"),
                                           ("FESC06", "suspend", "2008-09-01")):
            ok(await proc.client.post(f"/suppliers/{code}/{action}", headers=world.doh_admin(),
                                      json={"reason": "Conflict of interest",
                                            "effective_on": effective_on}))
        package = ok(await proc.client.get("/ocds/framework"))
        assert_valid(package, tmp_path)
        release = package["releases"][0]
        awards = {a["suppliers"][0]["id"]: a["status"] for a in release["awards"]}
        assert awards["FESC04"] == awards["FESC05"] == "cancelled"
        assert awards["FESC06"] == "active"  # its suspension starts on 1 September
        assert sorted(p["id"] for p in release["parties"] if "supplier" in p["roles"]) == [
            f"FESC{n:02d}" for n in (1, 2, 3, *range(6, 15))]
        assert "Conflict of interest" not in json.dumps(package)  # the grounds stay private
        clock.set(datetime(2008, 9, 1, 12, tzinfo=UTC))
        later = ok(await proc.client.get("/ocds/framework"))["releases"][0]
        assert {a["suppliers"][0]["id"]: a["status"] for a in later["awards"]}["FESC06"] == (
            "cancelled")
        assert later["id"] == "ocds-fesc07-FESC-2008-09-01" != release["id"]

    async def test_a_signed_call_off_is_valid_open_data(self, proc: ServiceHarness,
                                                        world: World, clock: FixedClock,
                                                        tmp_path: Path) -> None:
        contract = await signed_contract(
            proc.client, world, clock, payment_model="gain_share",
            payment_terms={"share_percent": "20", "floor_pence": 500_000,
                           "cap_pence": 2_000_000})
        package = ok(await proc.client.get(f"/ocds/call-offs/{contract['call_off_id']}"))
        assert_valid(package, tmp_path)
        release = package["releases"][0]
        assert release["buyer"] == {"id": "5NT", "name": "5NT (test)"}
        assert release["tag"] == ["tender", "award", "contract"]
        assert release["contracts"][0]["status"] == "active"
        assert release["contracts"][0]["value"] == {"amount": 240000, "currency": "GBP"}
        assert release["relatedProcesses"][0]["identifier"] == "ocds-fesc07-FESC"
        [accountability, performance] = release["contracts"][0]["riskAllocation"]
        assert accountability["allocation"] == "publicAuthority"
        assert performance["allocation"] == "shared"  # (cap - floor) / cap is at risk
        assert performance["description"].startswith(
            "75.00% of the fee depends on results (borne by the supplier); 25.00% is paid")

    async def test_bidders_are_named_only_once_bidding_closed(
            self, proc: ServiceHarness, world: World, clock: FixedClock,
            tmp_path: Path) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        await bid(proc.client, world, call_off, "FESC06", 20_000_000)
        during = ok(await proc.client.get(f"/ocds/call-offs/{call_off['id']}"))
        assert during["releases"][0]["tender"]["tenderers"] == []
        assert_valid(during, tmp_path)
        clock.advance(days=14)
        after = ok(await proc.client.get(f"/ocds/call-offs/{call_off['id']}"))
        assert [t["id"] for t in after["releases"][0]["tender"]["tenderers"]] == ["FESC06"]

    async def test_a_cancelled_call_off_is_valid_open_data(self, proc: ServiceHarness,
                                                           world: World, clock: FixedClock,
                                                           tmp_path: Path) -> None:
        call_off = await open_call_off(proc.client, world, clock)
        ok(await proc.client.post(f"/call-offs/{call_off['id']}/cancel",
                                  headers=world.commissioner(), json={"reason": "Budget cut"}))
        package = ok(await proc.client.get(f"/ocds/call-offs/{call_off['id']}"))
        assert package["releases"][0]["tag"] == ["tenderCancellation"]
        assert package["releases"][0]["tender"]["status"] == "cancelled"
        assert_valid(package, tmp_path)

    async def test_an_unknown_call_off_is_404(self, proc: ServiceHarness) -> None:
        assert is_problem(await proc.client.get("/ocds/call-offs/nope"), 404)


class TestChangeFeed:
    async def test_every_step_newest_last_then_nothing_new(self, proc: ServiceHarness,
                                                           world: World, clock: FixedClock,
                                                           tmp_path: Path) -> None:
        contract = await signed_contract(proc.client, world, clock)
        page = ok(await proc.client.get("/ocds/changes"))
        releases = page["package"]["releases"]
        assert [r["tag"] for r in releases] == [
            ["tender"], ["tender", "award", "contract"],
            ["tender", "award", "contract"]]  # published, contracted, signed
        assert [r["contracts"][0]["status"] for r in releases[1:]] == ["pending", "active"]
        assert {r["ocid"] for r in releases} == {f"ocds-fesc07-{contract['call_off_id']}"}
        assert len({r["id"] for r in releases}) == 3
        assert [r["date"] for r in releases] == sorted(r["date"] for r in releases)
        assert_valid(page["package"], tmp_path)
        later = ok(await proc.client.get("/ocds/changes",
                                         params={"cursor": page["next_cursor"]}))
        assert later["package"]["releases"] == [] and later["has_more"] is False
        assert later["next_cursor"] == page["next_cursor"]

    async def test_pages_follow_the_cursor(self, proc: ServiceHarness, world: World,
                                           clock: FixedClock) -> None:
        await signed_contract(proc.client, world, clock)
        first = ok(await proc.client.get("/ocds/changes", params={"limit": 2}))
        assert first["has_more"] is True and len(first["package"]["releases"]) == 2
        rest = ok(await proc.client.get("/ocds/changes", params={
            "limit": 2, "cursor": first["next_cursor"]}))
        assert rest["has_more"] is False and len(rest["package"]["releases"]) == 1

    async def test_a_forged_cursor_is_refused(self, proc: ServiceHarness) -> None:
        response = await proc.client.get("/ocds/changes", params={"cursor": "42"})
        assert is_problem(response, 422)
