"""Earned autonomy from assurance's events changes the approvals a request needs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.handlers import HANDLERS
from shared.events.contracts.assurance import AutonomyGranted, AutonomyRevoked
from shared.events.envelope import new_envelope
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import END_TO_END, MICRO, World, ok, raise_request

ABOVE_FRAMEWORK_THRESHOLD = 150_000_000  # £1.5m; the framework's SHA threshold is £1m


def granted(world: World, *, threshold: int | None, joint_ventures: bool = False,
            decision_id: str = "d-1", valid_to: date = date(2009, 3, 31)) -> AutonomyGranted:
    return AutonomyGranted(
        decision_id=decision_id, pct_id=world.pct.id, sha_id=world.sha.id, cycle_id="2008-09",
        tier="earned_autonomy", reasons=["governance green", "9 competencies at level 3+"],
        valid_from=date(2008, 4, 1), valid_to=valid_to, freedoms={
            "review_frequency_months": 3, "financial_autonomy_threshold_pence": threshold,
            "joint_ventures_without_doh_permission": joint_ventures})


def revoked(world: World, decision_id: str = "d-1",
            on: date = date(2008, 6, 1)) -> AutonomyRevoked:
    return AutonomyRevoked(decision_id=decision_id, pct_id=world.pct.id, sha_id=world.sha.id,
                           reason="financial_recovery", note="Deficit at month 2",
                           revoked_on=on)


async def deliver(session: AsyncSession, payload: Any, type_: str) -> None:
    envelope = new_envelope(source="/services/assurance", type_=type_, subject=payload.pct_id,
                            data=payload.model_dump(mode="json"), correlation_id=None)
    await HANDLERS[type_](session, envelope, payload)
    await session.commit()


async def roles_needed(proc: ServiceHarness, world: World, body: dict[str, Any],
                       **changes: Any) -> list[str]:
    request = await raise_request(proc.client, world, body, **changes)
    return [a["role"] for a in request["approvals"]]


class TestFinancialAutonomy:
    async def test_without_it_a_large_request_needs_the_sha(self, proc: ServiceHarness,
                                                              world: World) -> None:
        assert await roles_needed(proc, world, MICRO,
                                  estimated_value_pence=ABOVE_FRAMEWORK_THRESHOLD) == ["sha"]

    async def test_with_a_higher_threshold_it_does_not(self, proc: ServiceHarness,
                                                        world: World) -> None:
        await deliver(proc.session, granted(world, threshold=200_000_000),
                      "assurance.autonomy.granted.v1")
        assert await roles_needed(proc, world, MICRO,
                                  estimated_value_pence=ABOVE_FRAMEWORK_THRESHOLD) == []

    async def test_the_pcts_own_threshold_replaces_the_frameworks(
            self, proc: ServiceHarness, world: World) -> None:
        await deliver(proc.session, granted(world, threshold=50_000_000),
                      "assurance.autonomy.granted.v1")
        request = await raise_request(proc.client, world, MICRO,
                                      estimated_value_pence=60_000_000)
        assert request["approvals"][0]["reasons"] == [
            "the value £600,000.00 is above the PCT's autonomy limit £500,000.00"]

    async def test_revocation_brings_the_sha_back(self, proc: ServiceHarness,
                                                  world: World) -> None:
        await deliver(proc.session, granted(world, threshold=200_000_000),
                      "assurance.autonomy.granted.v1")
        await deliver(proc.session, revoked(world), "assurance.autonomy.revoked.v1")
        assert await roles_needed(proc, world, MICRO,
                                  estimated_value_pence=ABOVE_FRAMEWORK_THRESHOLD) == ["sha"]

    async def test_a_revocation_of_an_older_decision_changes_nothing(
            self, proc: ServiceHarness, world: World) -> None:
        await deliver(proc.session, granted(world, threshold=200_000_000, decision_id="d-2"),
                      "assurance.autonomy.granted.v1")
        await deliver(proc.session, revoked(world, decision_id="d-1"),
                      "assurance.autonomy.revoked.v1")
        assert await roles_needed(proc, world, MICRO,
                                  estimated_value_pence=ABOVE_FRAMEWORK_THRESHOLD) == []

    async def test_freedoms_that_expired_no_longer_count(self, proc: ServiceHarness,
                                                         world: World) -> None:
        await deliver(proc.session, granted(world, threshold=200_000_000,
                                            valid_to=date(2008, 5, 31)),
                      "assurance.autonomy.granted.v1")
        assert await roles_needed(proc, world, MICRO,
                                  estimated_value_pence=ABOVE_FRAMEWORK_THRESHOLD) == ["sha"]

    async def test_end_to_end_needs_both_signoffs_whatever_the_freedoms(
            self, proc: ServiceHarness, world: World) -> None:
        await deliver(proc.session, granted(world, threshold=10**12, joint_ventures=True),
                      "assurance.autonomy.granted.v1")
        assert await roles_needed(proc, world, END_TO_END) == ["dg_commissioning", "sha"]


class TestJointVentures:
    async def test_need_doh_permission_without_the_freedom(self, proc: ServiceHarness,
                                                           world: World) -> None:
        assert await roles_needed(proc, world, MICRO, joint_venture=True) == [
            "doh_joint_venture"]

    async def test_need_none_with_it(self, proc: ServiceHarness, world: World) -> None:
        await deliver(proc.session, granted(world, threshold=None, joint_ventures=True),
                      "assurance.autonomy.granted.v1")
        assert await roles_needed(proc, world, MICRO, joint_venture=True) == []

    async def test_the_dashboard_shows_the_freedoms_in_force(self, proc: ServiceHarness,
                                                              world: World) -> None:
        await deliver(proc.session, granted(world, threshold=200_000_000, joint_ventures=True),
                      "assurance.autonomy.granted.v1")
        dashboard = ok(await proc.client.get(f"/pcts/{world.pct.id}/dashboard",
                                             headers=world.commissioner()))
        assert dashboard["freedoms"]["financial_autonomy_threshold_pence"] == 200_000_000
        assert dashboard["freedoms"]["joint_ventures_without_doh"] is True
