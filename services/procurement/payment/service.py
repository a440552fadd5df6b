"""Computing and explaining the payment due for a period of a signed contract."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.contract import service as contracts
from services.procurement.contract.models import SIGNED, Contract
from services.procurement.database import outbox
from services.procurement.history.service import Actor
from services.procurement.payment.models import Payment
from services.procurement.payment.schedule import Period, quarters
from services.procurement.payment.schemas import FIGURES, PaymentCreate
from services.procurement.rules import payments as rules
from shared.auth import Principal
from shared.errors import Conflict, RuleViolation
from shared.events.contracts.procurement import PaymentCalculated


async def get_all(session: AsyncSession, contract_id: str, *,
                  by: Principal) -> Sequence[Payment]:
    contract = await contracts.get(session, contract_id, by=by)
    return await get_all_unchecked(session, contract.id)


async def get_all_unchecked(session: AsyncSession, contract_id: str) -> Sequence[Payment]:
    """The contract's payments (the caller already proved it may see the contract)."""
    return (await session.scalars(select(Payment).where(Payment.contract_id == contract_id)
                                  .order_by(Payment.period_start))).all()


async def calculate(session: AsyncSession, contract_id: str, data: PaymentCreate, *,
                    by: Principal, now: datetime) -> Payment:
    """Work out a period's payment from its figures, line by line, and record it once."""
    contract = await contracts.get(session, contract_id, by=by)
    access.require_own_pct(by, contract.pct_id, "calculate its contracts' payments")
    if contract.status != SIGNED:
        raise Conflict("payments are calculated for signed contracts; this one awaits signing")
    schedule = quarters(contract.start_date, contract.end_date)
    period = _period(schedule, data.period)
    if await session.scalar(select(Payment.id).where(Payment.contract_id == contract.id,
                                                     Payment.period == period.label)):
        raise Conflict(f"the payment for {period.label} was calculated already")
    figures = _figures(contract, data.figures)
    payment = await _compute(session, contract, figures, schedule.index(period) + 1)
    row = Payment(contract_id=contract.id, period=period.label, period_start=period.start,
                  period_end=period.end, figures=figures.model_dump(mode="json"),
                  amount_pence=payment.total_pence,
                  lines=[{"amount_pence": line.amount_pence, "explanation": line.explanation}
                         for line in payment.lines],
                  calculated_by=by.subject, calculated_at=now)
    session.add(row)
    await session.flush()
    before = contracts.snapshot(contract)
    await contracts.changed(session, contract, "payment_calculated", before, by=Actor.of(by),
                            now=now, after={**before, "payments": {
                                period.label: payment.total_pence}})
    await outbox.add(session, PaymentCalculated(
        contract_id=contract.id, period=period.label, amount_pence=payment.total_pence,
        lines=[line.text for line in payment.lines]))
    return row


def schedule_of(contract: Contract, payments: Sequence[Payment]) -> list[dict[str, Any]]:
    """The contract's periods, each due or calculated (with its amount)."""
    paid = {p.period: p.amount_pence for p in payments}
    return [{"period": p.label, "start": p.start, "end": p.end,
             "status": "calculated" if p.label in paid else "due",
             "amount_pence": paid.get(p.label)}
            for p in quarters(contract.start_date, contract.end_date)]


def _period(schedule: list[Period], label: str) -> Period:
    found = next((p for p in schedule if p.label == label), None)
    if found is None:
        raise RuleViolation(
            f"{label} is not in the contract's schedule ({schedule[0].label} to "
            f"{schedule[-1].label})", errors=[{"loc": ["body", "period"], "msg": "not scheduled"}])
    return found


def _figures(contract: Contract, figures: dict[str, Any]) -> BaseModel:
    try:
        return FIGURES[contract.payment_model].model_validate(figures)
    except ValidationError as exc:
        raise RuleViolation(
            f"these figures do not fit a {contract.payment_model} contract",
            errors=[{"loc": ["body", "figures", *err["loc"]], "msg": err["msg"]}
                    for err in exc.errors()]) from None


async def _compute(session: AsyncSession, contract: Contract, figures: BaseModel,
                   position: int) -> rules.Payment:
    terms = rules.parse_terms(contract.payment_model, contract.payment_terms)
    values = figures.model_dump()
    period_figures: rules.PeriodFigures
    match contract.payment_model:
        case "fixed_fee":
            period_figures = rules.Instalment(values["instalment"] or position)
        case "capped_time_and_materials":
            paid = await session.scalar(select(func.coalesce(func.sum(Payment.amount_pence), 0))
                                        .where(Payment.contract_id == contract.id))
            period_figures = rules.TimeSheet(values["hours"], int(paid or 0))
        case "risk_reward":
            period_figures = rules.KpiResults(values["kpis"])
        case "gain_share":
            period_figures = rules.VerifiedSavings(values["savings_pence"])
        case _:
            period_figures = rules.OutcomeResults(values["outcomes"])
    try:
        return rules.calculate_payment(terms, period_figures)
    except rules.PaymentError as exc:
        raise RuleViolation(str(exc), errors=[{"loc": ["body", "figures"],
                                               "msg": str(exc)}]) from None
