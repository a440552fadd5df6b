"""Payments per model through the API, against hand-computed cases (amounts in pence)."""

from __future__ import annotations

from typing import Any

import pytest

from services.procurement.clock import FixedClock
from services.procurement.payment.models import Payment
from shared.testing.plugin import ServiceHarness
from tests.procurement.helpers import (
    World,
    count,
    is_problem,
    ok,
    outbox_payloads,
    signed_contract,
)

RISK_REWARD = {"payment_model": "risk_reward", "payment_terms": {
    "base_fee_pence": 6_000_000, "at_risk_percent": "10", "bonus_percent": "5",
    "kpis": [{"code": "contracts_reviewed", "weight": 3, "target": "12", "stretch": "15"},
             {"code": "days_to_resolve", "weight": 1, "target": "5",
              "higher_is_better": False}]}}
GAIN_SHARE = {"payment_model": "gain_share", "payment_terms": {
    "share_percent": "20", "floor_pence": 500_000, "cap_pence": 2_000_000}}
OUTCOMES = {"payment_model": "outcome_based", "payment_terms": {
    "fixed_element_pence": 1_000_000, "outcomes": [
        {"code": "readmissions", "description": "Emergency readmissions avoided",
         "payment_per_unit_pence": 25_000, "target_units": 40},
        {"code": "care_plans", "description": "Care plans reviewed",
         "payment_per_unit_pence": 1_000, "target_units": 300}]}}
CAPPED = {"payment_model": "capped_time_and_materials",
          "payment_terms": {"hourly_rate_pence": 9_500, "cap_pence": 1_000_000}}


async def pay(proc: ServiceHarness, world: World, contract: dict[str, Any], period: str,
              figures: dict[str, Any]) -> dict[str, Any]:
    return ok(await proc.client.post(f"/contracts/{contract['id']}/payments",
                                     headers=world.commissioner(),
                                     json={"period": period, "figures": figures}), 201)


def lines(payment: dict[str, Any]) -> list[int]:
    return [line["amount_pence"] for line in payment["lines"]]


class TestHandComputed:
    async def test_fixed_fee_puts_the_odd_pence_in_the_last_instalment(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, payment_model="fixed_fee",
                                         payment_terms={"total_fee_pence": 10_000_003,
                                                        "instalments": 4})
        first = await pay(proc, world, contract, "2008-Q3", {})
        last = await pay(proc, world, contract, "2009-Q2", {})
        assert first["amount_pence"] == 2_500_000            # 10,000,003 // 4
        assert last["amount_pence"] == 2_500_003             # + the 3p left over
        assert "including the 3p left over" in last["lines"][0]["explanation"]

    async def test_capped_time_and_materials_stops_at_the_cap(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **CAPPED)
        first = await pay(proc, world, contract, "2008-Q3", {"hours": "80"})
        assert first["amount_pence"] == 760_000              # 80 h x £95
        second = await pay(proc, world, contract, "2008-Q4", {"hours": "40.5"})
        # 40.5 h x £95 = 384,750; only 1,000,000 - 760,000 = 240,000 left under the cap
        assert lines(second) == [384_750, -144_750] and second["amount_pence"] == 240_000

    async def test_risk_reward_withholds_by_kpi_and_pays_the_bonus_at_stretch(
            self, proc: ServiceHarness, world: World, clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **RISK_REWARD)
        short = await pay(proc, world, contract, "2008-Q3",
                          {"kpis": {"contracts_reviewed": "9", "days_to_resolve": "4"}})
        # achievement (9/12 x 3 + 1 x 1) / 4 = 81.25%; 18.75% of the 600,000 at risk withheld
        assert lines(short) == [6_000_000, -112_500, 0]
        assert short["amount_pence"] == 5_887_500
        stretch = await pay(proc, world, contract, "2008-Q4",
                            {"kpis": {"contracts_reviewed": "16", "days_to_resolve": "6"}})
        # (1 x 3 + 5/6 x 1) / 4 = 23/24; withheld 600,000 / 24 = 25,000;
        # bonus: stretch met on weight 3 of 4 of the 300,000 pool = 225,000
        assert lines(stretch) == [6_000_000, -25_000, 225_000]
        assert stretch["amount_pence"] == 6_200_000

    async def test_gain_share_between_floor_and_cap(self, proc: ServiceHarness, world: World,
                                                    clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **GAIN_SHARE)
        capped = await pay(proc, world, contract, "2008-Q3", {"savings_pence": 12_000_000})
        assert lines(capped) == [2_400_000, -400_000]        # 20% of £120,000, cap £20,000
        floored = await pay(proc, world, contract, "2008-Q4", {"savings_pence": -1_000_000})
        assert lines(floored) == [-200_000, 700_000]         # costs rose: the floor £5,000
        assert floored["amount_pence"] == 500_000

    async def test_outcome_based_pays_up_to_each_target(self, proc: ServiceHarness,
                                                        world: World, clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **OUTCOMES)
        payment = await pay(proc, world, contract, "2008-Q3",
                            {"outcomes": {"readmissions": 45, "care_plans": 120}})
        # 1,000,000 fixed + min(45, 40) x 25,000 + 120 x 1,000
        assert lines(payment) == [1_000_000, 1_000_000, 120_000]
        assert payment["amount_pence"] == 2_120_000
        assert "nothing is paid beyond the target" in payment["lines"][1]["explanation"]
        [event] = await outbox_payloads(proc.session, "procurement.payment.calculated.v1")
        assert event["amount_pence"] == 2_120_000 and event["period"] == "2008-Q3"
        assert event["lines"][0] == "Fixed element £10,000.00: £10,000.00"


class TestRefusals:
    async def test_not_before_the_contract_is_signed(self, proc: ServiceHarness, world: World,
                                                     clock: FixedClock) -> None:
        from tests.procurement.helpers import awarded_call_off

        call_off = await awarded_call_off(proc.client, world, clock)
        clock.advance(days=11)
        contract = ok(await proc.client.post(
            f"/call-offs/{call_off['id']}/contract", headers=world.commissioner(),
            json={"start_date": "2008-07-01", "end_date": "2009-06-30"}), 201)
        response = await proc.client.post(f"/contracts/{contract['id']}/payments",
                                          headers=world.commissioner(),
                                          json={"period": "2008-Q3", "figures": {}})
        assert is_problem(response, 409)

    @pytest.mark.parametrize(("period", "figures", "status", "says"), [
        ("2010-Q1", {"savings_pence": 1}, 422, "not in the contract's schedule"),
        ("2008-Q3", {"hours": 3}, 422, "do not fit a gain_share contract"),
        ("2008-Q3", {"savings_pence": "lots"}, 422, "do not fit a gain_share contract"),
    ], ids=["period-outside-schedule", "figures-of-another-model", "figures-wrong-type"])
    async def test_bad_figures_are_refused(self, proc: ServiceHarness, world: World,
                                           clock: FixedClock, period: str,
                                           figures: dict[str, Any], status: int,
                                           says: str) -> None:
        contract = await signed_contract(proc.client, world, clock, **GAIN_SHARE)
        response = await proc.client.post(f"/contracts/{contract['id']}/payments",
                                          headers=world.commissioner(),
                                          json={"period": period, "figures": figures})
        assert is_problem(response, status)
        assert says in response.json()["detail"]
        assert await count(proc.session, Payment) == 0

    async def test_a_kpi_missing_from_the_results_is_named(self, proc: ServiceHarness,
                                                           world: World,
                                                           clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **RISK_REWARD)
        response = await proc.client.post(f"/contracts/{contract['id']}/payments",
                                          headers=world.commissioner(), json={
                                              "period": "2008-Q3",
                                              "figures": {"kpis": {"contracts_reviewed": 9}}})
        assert is_problem(response, 422)
        assert response.json()["detail"] == "no result for KPI days_to_resolve"

    async def test_each_period_is_calculated_once(self, proc: ServiceHarness, world: World,
                                                  clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **GAIN_SHARE)
        await pay(proc, world, contract, "2008-Q3", {"savings_pence": 1_000_000})
        again = await proc.client.post(f"/contracts/{contract['id']}/payments",
                                       headers=world.commissioner(),
                                       json={"period": "2008-Q3",
                                             "figures": {"savings_pence": 9_000_000}})
        assert is_problem(again, 409)
        schedule = ok(await proc.client.get(f"/contracts/{contract['id']}",
                                            headers=world.commissioner()))["schedule"]
        assert [(p["period"], p["status"], p["amount_pence"]) for p in schedule[:2]] == [
            ("2008-Q3", "calculated", 500_000), ("2008-Q4", "due", None)]

    async def test_only_the_pct_calculates(self, proc: ServiceHarness, world: World,
                                           clock: FixedClock) -> None:
        contract = await signed_contract(proc.client, world, clock, **GAIN_SHARE)
        response = await proc.client.post(f"/contracts/{contract['id']}/payments",
                                          headers=world.bidder("FESC01"),
                                          json={"period": "2008-Q3",
                                                "figures": {"savings_pence": 1}})
        assert is_problem(response, 403)
