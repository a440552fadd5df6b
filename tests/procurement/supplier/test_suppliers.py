"""The framework and its approved suppliers: seeding, status changes, history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from services.procurement.clock import FixedClock
from services.procurement.database import directory
from services.procurement.handlers import HANDLERS
from services.procurement.history.service import changes, replay
from services.procurement.supplier.models import Supplier
from services.procurement.supplier.service import seed
from shared.events.contracts.identity import OrganisationRegistered
from shared.events.envelope import new_envelope
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    ANSWERS,
    World,
    bid,
    fixed_fee,
    is_problem,
    ok,
    open_call_off,
    outbox_payloads,
    outbox_types,
)

REASON = {"reason": "Investigation into a conflict of interest", "effective_on": "2008-09-01"}


class TestFramework:
    async def test_the_framework_is_served_as_reference_data(self, proc: ServiceHarness,
                                                             world: World) -> None:
        framework = ok(await proc.client.get("/framework", headers=world.commissioner()))
        assert framework["agreement"]["start_date"] == "2007-10-05"
        assert framework["agreement"]["end_date_status"] == "unconfirmed"
        assert [g["lot_number"] for g in framework["groupings"]] == [1, 2, 3, 4]
        assert [p["code"] for p in framework["package_types"]] == ["micro", "macro",
                                                                    "end_to_end"]
        assert [m["code"] for m in framework["payment_models"]] == [
            "fixed_fee", "capped_time_and_materials", "risk_reward", "gain_share",
            "outcome_based"]
        assert framework["settings"]["sha_approval_threshold_pence"] == 100_000_000

    async def test_it_needs_a_token(self, proc: ServiceHarness) -> None:
        assert is_problem(await proc.client.get("/framework"), 401)


class TestSuppliers:
    async def test_lists_each_supplier_with_its_lists_groupings_and_status(
            self, proc: ServiceHarness, world: World) -> None:
        suppliers = ok(await proc.client.get("/suppliers", headers=world.bidder("FESC03")))
        assert [s["code"] for s in suppliers] == [f"FESC{n:02d}" for n in range(1, 15)]
        bupa = suppliers[0]
        assert bupa["name"] == "BUPA Commissioning" and bupa["status"] == "active"
        assert bupa["approved_lists"] == ["micro", "macro", "end_to_end"]
        assert bupa["organisation_id"] == world.suppliers["FESC01"].id

    async def test_seeding_again_adds_nothing_and_links_late_directory_entries(
            self, proc: ServiceHarness, world: World) -> None:
        await proc.session.execute(update(Supplier).values(organisation_id=None))
        added = await seed(proc.session, proc.app.state.framework,
                           now=datetime(2008, 1, 1, tzinfo=UTC))
        assert added == 0
        supplier = await proc.session.get(Supplier, "FESC05")
        assert supplier is not None
        assert supplier.organisation_id == world.suppliers["FESC05"].id

    async def test_suspend_reinstate_and_remove_with_reason_and_date(
            self, proc: ServiceHarness, world: World) -> None:
        suspended = ok(await proc.client.post("/suppliers/FESC04/suspend", json={
            **REASON, "effective_on": "2008-05-30"}, headers=world.doh_admin()))
        assert suspended["status"] == "suspended"
        assert suspended["status_effective_on"] == "2008-05-30"  # dated back: at once
        reinstated = ok(await proc.client.post("/suppliers/FESC04/reinstate",
                                               json={"reason": "Cleared by the inquiry"},
                                               headers=world.doh_admin()))
        assert reinstated["status"] == "active"
        assert reinstated["status_effective_on"] == "2008-06-02"  # defaults to today
        removed = ok(await proc.client.post("/suppliers/FESC04/remove",
                                            json={"reason": "Left the UK market"},
                                            headers=world.doh_admin()))
        assert removed["status"] == "removed"
        history = ok(await proc.client.get("/suppliers/FESC04/history",
                                           headers=world.doh_admin()))
        assert [h["action"] for h in history] == ["seeded", "suspended", "reinstated",
                                                  "removed"]
        events = await outbox_payloads(proc.session, "procurement.supplier.status_changed.v1")
        assert [(e["status"], e["effective_on"]) for e in events] == [
            ("suspended", "2008-05-30"), ("active", "2008-06-02"), ("removed", "2008-06-02")]

    @pytest.mark.parametrize(("action", "start"), [
        ("reinstate", "active"), ("suspend", "removed"), ("remove", "removed")])
    async def test_a_change_the_status_does_not_allow_is_409(
            self, proc: ServiceHarness, world: World, action: str, start: str) -> None:
        await proc.session.execute(update(Supplier).where(Supplier.code == "FESC07")
                                   .values(status=start))
        response = await proc.client.post(f"/suppliers/FESC07/{action}", json=REASON,
                                          headers=world.doh_admin())
        assert is_problem(response, 409)
        assert await outbox_types(proc.session) == []

    @pytest.mark.parametrize("role", ["doh_dg_commissioning", "sha_admin", "pct_admin",
                                      "supplier_admin"])
    async def test_only_doh_administrators_change_a_status(self, proc: ServiceHarness,
                                                           world: World, role: str) -> None:
        org = {"doh_dg_commissioning": world.doh, "sha_admin": world.sha,
               "pct_admin": world.pct, "supplier_admin": world.suppliers["FESC07"]}[role]
        response = await proc.client.post("/suppliers/FESC07/suspend", json=REASON,
                                          headers=world.headers(org, role))
        assert is_problem(response, 403)

    async def test_an_unknown_supplier_is_404(self, proc: ServiceHarness, world: World) -> None:
        response = await proc.client.post("/suppliers/FESC99/suspend", json=REASON,
                                          headers=world.doh_admin())
        assert is_problem(response, 404)


class TestEffectiveDate:
    """A status change dated later is scheduled: it takes effect on its day, not before."""

    async def test_a_suspension_dated_later_applies_from_that_day_only(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        scheduled = ok(await proc.client.post("/suppliers/FESC04/suspend", json=REASON,
                                              headers=world.doh_admin()))
        assert (scheduled["status"], scheduled["scheduled_status"],
                scheduled["scheduled_on"]) == ("active", "suspended", "2008-09-01")
        [event] = await outbox_payloads(proc.session, "procurement.supplier.status_changed.v1")
        assert (event["status"], event["effective_on"]) == ("suspended", "2008-09-01")

        clock.set(datetime(2008, 8, 31, 9, tzinfo=UTC))  # the day before: still active
        call_off = await open_call_off(proc.client, world, clock)
        assert "FESC04" in call_off["invited_supplier_ids"]
        await bid(proc.client, world, call_off, "FESC04", 20_000_000)
        active = ok(await proc.client.get("/suppliers", params={"status": "active"},
                                          headers=world.commissioner()))
        assert "FESC04" in [s["code"] for s in active]

        clock.set(datetime(2008, 9, 1, 9, tzinfo=UTC))  # its day: suspended
        supplier = ok(await proc.client.get("/suppliers/FESC04", headers=world.commissioner()))
        assert (supplier["status"], supplier["status_effective_on"],
                supplier["status_reason"]) == ("suspended", "2008-09-01", REASON["reason"])
        assert supplier["scheduled_status"] is None and supplier["scheduled_on"] is None
        refused = await proc.client.post(f"/call-offs/{call_off['id']}/bids",
                                         headers=world.bidder("FESC04"),
                                         json={"price_pence": 19_000_000, "answers": ANSWERS,
                                               **fixed_fee(19_000_000)})
        assert is_problem(refused, 409)
        assert refused.json()["detail"] == (
            "supplier FESC04 is suspended on the framework and cannot bid")
        later = await open_call_off(proc.client, world, clock)
        assert "FESC04" not in later["invited_supplier_ids"]

    async def test_one_change_may_be_scheduled_at_a_time(self, proc: ServiceHarness,
                                                         world: World,
                                                         clock: FixedClock) -> None:
        ok(await proc.client.post("/suppliers/FESC04/suspend", json=REASON,
                                  headers=world.doh_admin()))
        again = await proc.client.post("/suppliers/FESC04/remove",
                                       json={"reason": "Left the UK market"},
                                       headers=world.doh_admin())
        assert is_problem(again, 409)
        assert again.json()["detail"].startswith(
            "supplier FESC04 is already due to become suspended on 2008-09-01")
        clock.set(datetime(2008, 9, 2, 9, tzinfo=UTC))  # in force: the next change may follow
        reinstated = ok(await proc.client.post("/suppliers/FESC04/reinstate",
                                               json={"reason": "Cleared by the inquiry"},
                                               headers=world.doh_admin()))
        assert (reinstated["status"], reinstated["status_effective_on"]) == (
            "active", "2008-09-02")
        history = ok(await proc.client.get("/suppliers/FESC04/history",
                                           headers=world.doh_admin()))
        assert [h["action"] for h in history] == ["seeded", "suspension_scheduled",
                                                  "reinstated"]
        assert {"op": "remove", "path": "/scheduled"} in history[2]["patch"]
        state = replay(await changes(proc.session, "supplier", "FESC04"))
        assert (state["status"], state["status_effective_on"]) == ("active", "2008-09-02")


class TestDirectoryLink:
    async def test_a_supplier_organisation_reaching_the_directory_is_linked(
            self, proc: ServiceHarness, world: World) -> None:
        await proc.session.execute(update(Supplier).where(Supplier.code == "FESC09")
                                   .values(organisation_id=None))
        await proc.session.execute(delete(directory).where(directory.c.code == "FESC09"))
        payload = OrganisationRegistered(organisation_id=str(uuid.uuid4()), code="FESC09",
                                         name="Supplier nine", type="SUPPLIER",
                                         valid_from=datetime(2007, 10, 5).date())
        envelope = new_envelope(source="/services/identity",
                                type_="identity.organisation.registered.v1",
                                subject=payload.organisation_id,
                                data=payload.model_dump(mode="json"), correlation_id=None)
        await HANDLERS["identity.organisation.registered.v1"](proc.session, envelope, payload)
        supplier = await proc.session.get(Supplier, "FESC09")
        assert supplier is not None and supplier.organisation_id == payload.organisation_id
        headers = world.tokens.headers(org_id=payload.organisation_id, org_type="SUPPLIER",
                                       roles=["supplier_bidder"], audience="procurement")
        assert ok(await proc.client.get("/contracts", headers=headers))["total"] == 0


class TestSeedCommand:
    async def test_seeds_the_embedded_database_once(self, tmp_path: Any) -> None:
        import argparse

        from services.procurement.cli import MIGRATIONS
        from services.procurement.cli import seed as seed_command
        from services.procurement.config import Settings
        from shared.db import create_engine, create_sessionmaker
        from shared.migrations import upgrade

        url = f"sqlite+aiosqlite:///{tmp_path / 'procurement.db'}"
        upgrade(MIGRATIONS, url)
        settings = Settings(database_url=url, log_json=False)
        await seed_command(settings, argparse.Namespace())
        await seed_command(settings, argparse.Namespace())
        engine = create_engine(url)
        async with create_sessionmaker(engine)() as session:
            suppliers = (await session.scalars(select(Supplier).order_by(Supplier.code))).all()
        await engine.dispose()
        assert [s.code for s in suppliers] == [f"FESC{n:02d}" for n in range(1, 15)]
        assert suppliers[0].updated_at == datetime(2007, 10, 5, tzinfo=UTC)
