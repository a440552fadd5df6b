"""Payment models: contract terms, the payment due for a period, and risk-transfer limits."""

from services.procurement.rules.payments.calculate import (
    Instalment,
    KpiResults,
    OutcomeResults,
    Payment,
    PaymentError,
    PaymentLine,
    PeriodFigures,
    TimeSheet,
    VerifiedSavings,
    calculate_payment,
)
from services.procurement.rules.payments.risk import (
    add_months,
    at_risk_percent,
    check_risk_transfer,
)
from services.procurement.rules.payments.terms import (
    CappedTimeAndMaterialsTerms,
    FixedFeeTerms,
    GainShareTerms,
    Kpi,
    Outcome,
    OutcomeBasedTerms,
    PaymentTerms,
    RiskRewardTerms,
    parameter_names,
    parse_terms,
)

__all__ = [
    "CappedTimeAndMaterialsTerms",
    "FixedFeeTerms",
    "GainShareTerms",
    "Instalment",
    "Kpi",
    "KpiResults",
    "Outcome",
    "OutcomeBasedTerms",
    "OutcomeResults",
    "Payment",
    "PaymentError",
    "PaymentLine",
    "PaymentTerms",
    "PeriodFigures",
    "RiskRewardTerms",
    "TimeSheet",
    "VerifiedSavings",
    "add_months",
    "at_risk_percent",
    "calculate_payment",
    "check_risk_transfer",
    "parameter_names",
    "parse_terms",
]
