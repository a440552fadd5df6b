from __future__ import annotations

from fastapi import APIRouter, status

from services.procurement.deps import NowDep, PctStaff, Reader
from services.procurement.payment import service
from services.procurement.payment.schemas import PaymentCreate, PaymentRead
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/contracts/{contract_id}/payments", tags=["payments"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", response_model=PaymentRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def calculate_payment(contract_id: str, data: PaymentCreate, session: SessionDep,
                            principal: PctStaff, now: NowDep) -> PaymentRead:
    """Calculate the payment due for a period of a signed contract, with an explanation per
    line (each period once). Publishes procurement.payment.calculated."""
    payment = await service.calculate(session, contract_id, data, by=principal, now=now)
    return PaymentRead.model_validate(payment)


@router.get("", response_model=list[PaymentRead], responses=ERRORS)
async def list_payments(contract_id: str, session: SessionDep,
                        principal: Reader) -> list[PaymentRead]:
    """The payments calculated so far, in schedule order."""
    return [PaymentRead.model_validate(p) for p in await service.get_all(
        session, contract_id, by=principal)]
