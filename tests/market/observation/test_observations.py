"""Ratings and contracts from the other services feed the inputs of the next run."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.market.observation import service
from services.market.observation.models import ContractObservation, PctRating
from shared.events.contracts.assurance import AssessmentRated
from shared.events.contracts.procurement import ContractAwarded, ContractSigned
from shared.testing.plugin import ServiceHarness
from tests.market.helpers import People, queue_run

AT = datetime(2009, 3, 1, tzinfo=UTC)


def rating(pct: str, levels: list[int | None], published_on: date) -> AssessmentRated:
    return AssessmentRated(
        assessment_id=f"a-{pct}-{published_on}", cycle_id="c1", cycle_year="2008/09",
        framework_version="2008-v1", pct_id=pct, sha_id="sha-1",
        competency_levels={str(i + 1): level for i, level in enumerate(levels)},
        governance={"strategy": "AMBER", "finance": "GREEN", "board": "GREEN"},
        league_score=55.0, published_on=published_on)


def award(contract: str, value: int, population: int | None) -> ContractAwarded:
    return ContractAwarded(contract_id=contract, call_off_id=f"co-{contract}", pct_id="pct-1",
                           sha_id="sha-1", supplier_id="FESC01", package_type="end_to_end",
                           groupings=["assessment_and_planning"], payment_model="fixed_fee",
                           value_pence=value, start_date=date(2008, 7, 1),
                           end_date=date(2010, 6, 30), population_served=population)


class TestRatings:
    async def test_the_latest_rating_of_each_pct_is_kept(self, market: ServiceHarness) -> None:
        session = market.session
        await service.apply_rating(session, rating("p1", [1, 2, 2, None], date(2009, 3, 1)),
                                   at=AT)
        await service.apply_rating(session, rating("p1", [3, 3, 3, 3], date(2010, 3, 1)), at=AT)
        await service.apply_rating(session, rating("p1", [1, 1, 1, 1], date(2009, 1, 1)), at=AT)
        row = await session.get(PctRating, "p1")
        assert row is not None and (row.mean_level, row.cycle_year) == (3.0, "2008/09")
        assert service.mean_level({"1": 1, "2": 2, "3": None}) == 1.5


class TestContracts:
    async def test_the_signed_value_replaces_the_awarded_one_in_either_order(
            self, market: ServiceHarness) -> None:
        session = market.session
        await service.apply_award(session, award("k1", 100, 1000), at=AT)
        signed = ContractSigned(contract_id="k1", pct_id="pct-1", supplier_id="FESC01",
                                payment_model="fixed_fee", value_pence=120,
                                signed_on=date(2008, 6, 28))
        await service.apply_signature(session, signed, at=AT)
        await service.apply_signature(session, signed.model_copy(update={"contract_id": "k2"}),
                                      at=AT)
        await service.apply_award(session, award("k2", 90, 2000), at=AT)
        first = await session.get(ContractObservation, "k1")
        second = await session.get(ContractObservation, "k2")
        assert first is not None and (first.value_pence, first.signed_on) == (
            120, date(2008, 6, 28))
        # an award arriving after the signature adds its facts but keeps the signed value
        assert second is not None and (second.population_served, second.value_pence) == (2000,
                                                                                         120)


class TestNextRun:
    async def test_a_new_run_records_the_inputs_it_used(self, market: ServiceHarness,
                                                        who: People) -> None:
        session = market.session
        await service.apply_rating(session, rating("p1", [1, 2, 1, 2], date(2009, 3, 1)), at=AT)
        await service.apply_rating(session, rating("p2", [3, 3, 2, 3], date(2009, 3, 1)), at=AT)
        await service.apply_award(session, award("k1", 425_000_000, 250_000), at=AT)
        await service.apply_award(session, award("k2", 5_000_000, None), at=AT)
        await session.commit()
        run = await queue_run(market.client, who)
        inputs = run["inputs"]
        assert (inputs["ratings"], inputs["reliant_share"]) == (2, 0.5)
        assert (inputs["observed_contracts"], inputs["priced_contracts"]) == (2, 1)
        assert inputs["mean_price_per_head_pence"] == 851
        assert inputs["demand_adjustment"] < 1.0
        assert set(inputs["applied"]) >= {"in_house.quality", "private.unit_cost"}
        without = await queue_run(market.client, who, calibration_inputs=False)
        assert without["inputs"] == {"used": False}
