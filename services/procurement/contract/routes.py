from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from services.procurement.contract import service
from services.procurement.contract.models import Contract
from services.procurement.contract.schemas import ContractCreate, ContractRead
from services.procurement.deps import ContractParty, FrameworkDep, NowDep, PctStaff, Reader
from services.procurement.history.schemas import ChangeRead
from services.procurement.payment import service as payments
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(tags=["contracts"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


async def _read(session: SessionDep, contract: Contract) -> ContractRead:
    paid = await payments.get_all_unchecked(session, contract.id)
    columns = {c.key: getattr(contract, c.key) for c in Contract.__table__.columns}
    return ContractRead.model_validate({**columns,
                                        "schedule": payments.schedule_of(contract, paid)})


@router.post("/call-offs/{call_off_id}/contract", response_model=ContractRead,
             status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def make_contract(call_off_id: str, data: ContractCreate, session: SessionDep,
                        principal: PctStaff, now: NowDep,
                        framework: FrameworkDep) -> ContractRead:
    """Make the contract from the awarded bid, after the standstill period (PCT staff).

    An end-to-end contract whose terms put more than 10% of the fee at risk in its first 24
    months is refused (422, with the reason). Publishes procurement.contract.awarded.
    """
    contract = await service.make(session, call_off_id, data, by=principal, now=now,
                                  framework=framework)
    return await _read(session, contract)


@router.get("/contracts", response_model=Page[ContractRead], responses=ERRORS)
async def list_contracts(
    session: SessionDep, page: PageDep, principal: Reader,
    status: Annotated[Literal["awarded", "signed"] | None, Query()] = None,
) -> Page[ContractRead]:
    """Contracts you may see, newest first (a supplier sees only its own)."""
    items, total = await service.get_all(session, page, by=principal, status=status)
    return Page[ContractRead](items=[await _read(session, c) for c in items], total=total,
                              limit=page.limit, offset=page.offset)


@router.get("/contracts/{contract_id}", response_model=ContractRead, responses=ERRORS)
async def read_contract(contract_id: str, session: SessionDep,
                        principal: Reader) -> ContractRead:
    """One contract with its payment schedule (calendar quarters, due or calculated)."""
    return await _read(session, await service.get(session, contract_id, by=principal))


@router.post("/contracts/{contract_id}/sign", response_model=ContractRead, responses=ERRORS)
async def sign_contract(contract_id: str, session: SessionDep, principal: ContractParty,
                        now: NowDep) -> ContractRead:
    """Sign for your side: the PCT's staff or the supplier's. Once both have signed the
    contract is live and procurement.contract.signed is published."""
    return await _read(session, await service.sign(session, contract_id, by=principal, now=now))


@router.get("/contracts/{contract_id}/history", response_model=list[ChangeRead],
            responses=ERRORS)
async def contract_history(contract_id: str, session: SessionDep,
                           principal: Reader) -> list[ChangeRead]:
    """Every change to the contract, oldest first (JSON Patch)."""
    changes = await service.history_of(session, contract_id, by=principal)
    return [ChangeRead.model_validate(c) for c in changes]
