"""procurement.contract.awarded.v1: external support on record in the PCT's assessment."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.assurance.handlers import HANDLERS
from shared.events.contracts.procurement import ContractAwarded
from shared.events.envelope import new_envelope
from shared.testing.plugin import ServiceHarness
from tests.assurance.helpers import YEAR_1, YEAR_2, Api, World

TYPE = "procurement.contract.awarded.v1"


def awarded(pct: str, contract_id: str = "contract-1", **extra: Any) -> ContractAwarded:
    return ContractAwarded(
        contract_id=contract_id, call_off_id="call-off-1", pct_id=pct, sha_id="org-sha-a",
        supplier_id="supplier-bupa", package_type="macro",
        groupings=["assessment_and_planning"], payment_model="risk_reward",
        value_pence=125_000_000, start_date=date(2009, 1, 5), end_date=date(2010, 1, 4),
        **extra)


async def apply(harness: ServiceHarness, payload: ContractAwarded) -> None:
    envelope = new_envelope(source="/services/procurement", type_=TYPE,
                            subject=payload.contract_id,
                            data=payload.model_dump(mode="json"), correlation_id=None)
    await HANDLERS[TYPE](harness.session, envelope, payload)
    await harness.session.flush()


class TestExternalSupport:
    async def test_shows_on_the_pcts_current_assessment(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_a1)
        await apply(assurance, awarded(world.pct_a1))
        await apply(assurance, awarded(world.pct_a1))  # a redelivery changes nothing
        read = await api.call("GET", f"/assessments/{aid}", api.commissioner(world.pct_a1))
        assert [(e["contract_id"], e["supplier_id"], e["value_pence"], e["groupings"])
                for e in read["external_support"]] == [
            ("contract-1", "supplier-bupa", 125_000_000, ["assessment_and_planning"])]
        other = await api.assessment_id(cycle["id"], world.pct_a2)
        assert (await api.call("GET", f"/assessments/{other}", api.doh()))[
            "external_support"] == []
        history = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert history["status"] == "draft"  # on record; no review voided

    async def test_after_publication_it_waits_for_the_next_cycle(
        self, api: Api, world: World, assurance: ServiceHarness,
    ) -> None:
        year1 = await api.open_cycle()
        first = await api.through(year1["id"], world.pct_a1, world.sha_a, YEAR_1, 2)
        await apply(assurance, awarded(world.pct_a1))
        assert (await api.call("GET", f"/assessments/{first}", api.doh()))[
            "external_support"] == []
        year2 = await api.open_cycle(YEAR_2)
        aid = await api.assessment_id(year2["id"], world.pct_a1)
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert [e["contract_id"] for e in read["external_support"]] == ["contract-1"]

    async def test_before_any_cycle_it_waits_too(self, api: Api, world: World,
                                                 assurance: ServiceHarness) -> None:
        await apply(assurance, awarded(world.pct_b1, "contract-early"))
        cycle = await api.open_cycle()
        aid = await api.assessment_id(cycle["id"], world.pct_b1)
        read = await api.call("GET", f"/assessments/{aid}", api.doh())
        assert [e["contract_id"] for e in read["external_support"]] == ["contract-early"]
