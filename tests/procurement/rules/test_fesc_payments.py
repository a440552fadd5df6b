"""Each payment model against hand-computed cases (amounts in pence)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.procurement.rules.payments import (
    Instalment,
    KpiResults,
    OutcomeResults,
    PaymentError,
    TimeSheet,
    VerifiedSavings,
    calculate_payment,
    parse_terms,
)


class TestFixedFee:
    # £100,000.01 in 4 instalments: 10,000,001 // 4 = 2,500,000 remainder 1
    TERMS = parse_terms("fixed_fee", {"total_fee_pence": 10_000_001, "instalments": 4})

    def test_equal_instalments(self) -> None:
        payment = calculate_payment(self.TERMS, Instalment(1))
        assert payment.total_pence == 2_500_000
        assert payment.lines[0].explanation == (
            "Instalment 1 of 4 of the fixed fee £100,000.01")

    def test_the_last_instalment_takes_the_pence_left_over(self) -> None:
        payment = calculate_payment(self.TERMS, Instalment(4))
        assert payment.total_pence == 2_500_001
        assert "including the 1p left over" in payment.lines[0].explanation

    def test_instalments_add_up_to_the_fee(self) -> None:
        total = sum(calculate_payment(self.TERMS, Instalment(n)).total_pence for n in range(1, 5))
        assert total == 10_000_001

    def test_an_instalment_beyond_the_count_is_refused(self) -> None:
        with pytest.raises(PaymentError, match=r"instalment 5 is outside 1\.\.4"):
            calculate_payment(self.TERMS, Instalment(5))


class TestCappedTimeAndMaterials:
    # £95.00 an hour, capped at £50,000.00 over the contract
    TERMS = parse_terms("capped_time_and_materials",
                        {"hourly_rate_pence": 9_500, "cap_pence": 5_000_000})

    def test_hours_times_rate_under_the_cap(self) -> None:
        # 142.5 h x 9,500p = 1,353,750p
        payment = calculate_payment(self.TERMS, TimeSheet(Decimal("142.5")))
        assert payment.total_pence == 1_353_750
        assert payment.lines[0].explanation == "142.5 hours x £95.00 an hour"

    def test_work_beyond_the_cap_is_not_paid(self) -> None:
        # £40,000 paid already: room 5,000,000 - 4,000,000 = 1,000,000p
        # worked 1,353,750p, of which 353,750p beyond the cap
        payment = calculate_payment(self.TERMS, TimeSheet(Decimal("142.5"), 4_000_000))
        assert [line.amount_pence for line in payment.lines] == [1_353_750, -353_750]
        assert payment.total_pence == 1_000_000
        assert [line.text for line in payment.lines] == [
            "142.5 hours x £95.00 an hour: £13,537.50",
            "Cap £50,000.00 with £40,000.00 already paid leaves £10,000.00: £3,537.50 of work "
            "beyond the cap is not paid: -£3,537.50",
        ]

    def test_nothing_is_paid_once_the_cap_is_reached(self) -> None:
        payment = calculate_payment(self.TERMS, TimeSheet(Decimal(10), 5_000_000))
        assert payment.total_pence == 0

    def test_half_a_penny_rounds_up(self) -> None:
        # 0.5 h x 9,999p = 4,999.5p -> 5,000p
        terms = parse_terms("capped_time_and_materials",
                            {"hourly_rate_pence": 9_999, "cap_pence": 5_000_000})
        assert calculate_payment(terms, TimeSheet(Decimal("0.5"))).total_pence == 5_000


class TestRiskReward:
    # base £20,000.00; 12.5% at risk = 250,000p; bonus pool 5% = 100,000p
    TERMS = parse_terms("risk_reward", {
        "base_fee_pence": 2_000_000, "at_risk_percent": "12.5", "bonus_percent": "5",
        "kpis": [
            {"code": "referrals_validated", "weight": 50, "target": "95", "stretch": "98"},
            {"code": "reports_days_late", "weight": 30, "target": "5", "stretch": "2",
             "higher_is_better": False},
            {"code": "engagement_events", "weight": 20, "target": "10", "stretch": "12"},
        ],
    })

    def test_part_achievement_withholds_part_of_the_fee_at_risk(self) -> None:
        # achieved: 95/95 -> 1; 2 <= 5 -> 1 (stretch met); 6/10 -> 0.6
        # weighted (50x1 + 30x1 + 20x0.6) / 100 = 0.92 -> withheld 250,000 x 0.08 = 20,000
        # bonus: stretch met on weight 30 of 100 -> 100,000 x 0.3 = 30,000
        # total 2,000,000 - 20,000 + 30,000 = 2,010,000
        payment = calculate_payment(self.TERMS, KpiResults({
            "referrals_validated": Decimal(95), "reports_days_late": Decimal(2),
            "engagement_events": Decimal(6)}))
        assert [line.amount_pence for line in payment.lines] == [2_000_000, -20_000, 30_000]
        assert payment.total_pence == 2_010_000
        assert payment.lines[1].explanation == (
            "KPIs achieved 92.00% by weight (referrals_validated 100.00% (weight 50); "
            "reports_days_late 100.00% (weight 30); engagement_events 60.00% (weight 20)): "
            "8.00% of the £2,500.00 at risk is withheld")

    def test_a_lower_is_better_kpi_missed(self) -> None:
        # achieved: 76/95 = 0.8; 8 days late vs 5 -> 5/8 = 0.625; 12/10 -> 1 (stretch met)
        # weighted (40 + 18.75 + 20) / 100 = 0.7875 -> withheld 250,000 x 0.2125 = 53,125
        # bonus weight 20 -> 20,000; total 2,000,000 - 53,125 + 20,000 = 1,966,875
        payment = calculate_payment(self.TERMS, KpiResults({
            "referrals_validated": Decimal(76), "reports_days_late": Decimal(8),
            "engagement_events": Decimal(12)}))
        assert payment.total_pence == 1_966_875

    def test_everything_met_without_stretch_pays_the_base_fee(self) -> None:
        payment = calculate_payment(self.TERMS, KpiResults({
            "referrals_validated": Decimal(96), "reports_days_late": Decimal(4),
            "engagement_events": Decimal(10)}))
        assert [line.amount_pence for line in payment.lines] == [2_000_000, 0, 0]

    def test_every_kpi_needs_a_result(self) -> None:
        with pytest.raises(PaymentError, match="no result for KPI engagement_events"):
            calculate_payment(self.TERMS, KpiResults({
                "referrals_validated": Decimal(96), "reports_days_late": Decimal(4)}))


class TestGainShare:
    # 25% of verified savings, floor £5,000.00, cap £50,000.00 per period
    TERMS = parse_terms("gain_share", {"share_percent": "25", "floor_pence": 500_000,
                                       "cap_pence": 5_000_000})

    def test_share_of_savings_rounds_half_up(self) -> None:
        # 25% of 12,000,002p = 3,000,000.5p -> 3,000,001p
        payment = calculate_payment(self.TERMS, VerifiedSavings(12_000_002))
        assert payment.total_pence == 3_000_001
        assert payment.lines[0].explanation == "25% of verified savings £120,000.02"

    def test_the_floor_tops_up_small_savings(self) -> None:
        # 25% of 1,000,000 = 250,000 < floor 500,000 -> +250,000
        payment = calculate_payment(self.TERMS, VerifiedSavings(1_000_000))
        assert [line.amount_pence for line in payment.lines] == [250_000, 250_000]
        assert payment.total_pence == 500_000

    def test_the_cap_limits_large_savings(self) -> None:
        # 25% of 40,000,000 = 10,000,000 > cap 5,000,000 -> -5,000,000
        payment = calculate_payment(self.TERMS, VerifiedSavings(40_000_000))
        assert [line.amount_pence for line in payment.lines] == [10_000_000, -5_000_000]

    def test_lost_savings_still_pay_the_floor(self) -> None:
        # 25% of -800,000 = -200,000 -> floor adds 700,000
        assert calculate_payment(self.TERMS, VerifiedSavings(-800_000)).total_pence == 500_000


class TestOutcomeBased:
    # fixed £2,000.00; £500.00 per readmission avoided (target 60); £40.00 per care plan (250)
    TERMS = parse_terms("outcome_based", {
        "fixed_element_pence": 200_000,
        "outcomes": [
            {"code": "readmissions_avoided", "description": "Emergency readmissions avoided",
             "payment_per_unit_pence": 50_000, "target_units": 60},
            {"code": "care_plans", "description": "Patients with a care plan",
             "payment_per_unit_pence": 4_000, "target_units": 250},
        ],
    })

    def test_pays_per_outcome_up_to_its_target(self) -> None:
        # 200,000 + 45 x 50,000 + min(300, 250) x 4,000 = 200,000 + 2,250,000 + 1,000,000
        payment = calculate_payment(self.TERMS, OutcomeResults(
            {"readmissions_avoided": 45, "care_plans": 300}))
        assert [line.amount_pence for line in payment.lines] == [200_000, 2_250_000, 1_000_000]
        assert payment.total_pence == 3_450_000
        assert payment.lines[2].explanation == (
            "Patients with a care plan (care_plans): 300 achieved against a target of 250; 250 "
            "paid x £40.00 (nothing is paid beyond the target)")

    def test_an_unknown_outcome_is_refused(self) -> None:
        with pytest.raises(PaymentError, match="the contract has no outcome smoking_quits"):
            calculate_payment(self.TERMS, OutcomeResults(
                {"readmissions_avoided": 1, "care_plans": 1, "smoking_quits": 3}))


class TestTerms:
    def test_figures_of_another_model_are_refused(self) -> None:
        with pytest.raises(PaymentError, match="VerifiedSavings figures do not apply to a "
                                               "fixed_fee contract"):
            calculate_payment(TestFixedFee.TERMS, VerifiedSavings(1))

    def test_unknown_params_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="bonus"):
            parse_terms("fixed_fee", {"total_fee_pence": 1, "instalments": 1, "bonus": 5})

    def test_a_float_amount_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            parse_terms("fixed_fee", {"total_fee_pence": 100.5, "instalments": 1})

    def test_a_stretch_short_of_the_target_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="stretch level must be beyond the target"):
            parse_terms("risk_reward", {"base_fee_pence": 1, "at_risk_percent": 5, "kpis": [
                {"code": "k", "weight": 1, "target": 10, "stretch": 9}]})

    def test_a_cap_below_the_floor_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="cap must not be below the floor"):
            parse_terms("gain_share", {"share_percent": 10, "floor_pence": 5, "cap_pence": 4})
