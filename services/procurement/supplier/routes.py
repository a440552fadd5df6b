from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.procurement.deps import DohAdmin, NowDep, Reader
from services.procurement.history.schemas import ChangeRead
from services.procurement.history.service import Actor, changes
from services.procurement.supplier import service
from services.procurement.supplier.schemas import StatusChange, SupplierRead, SupplierStatus
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/suppliers", tags=["suppliers"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("", response_model=list[SupplierRead], responses=ERRORS)
async def list_suppliers(
    session: SessionDep, _: Reader, now: NowDep,
    status: Annotated[SupplierStatus | None,
                      Query(description="only this status (in force today)")] = None,
) -> list[SupplierRead]:
    """The approved suppliers by code, with the lists and groupings each is approved for, the
    status in force today and any change scheduled for a later day."""
    found = await service.get_all(session, on=now.date(), status=status)
    return [SupplierRead.model_validate(service.view(s, now.date())) for s in found]


@router.get("/{supplier_id}", response_model=SupplierRead, responses=ERRORS)
async def read_supplier(supplier_id: str, session: SessionDep, _: Reader,
                        now: NowDep) -> SupplierRead:
    """One approved supplier."""
    supplier = await service.get(session, supplier_id)
    return SupplierRead.model_validate(service.view(supplier, now.date()))


@router.post("/{supplier_id}/suspend", response_model=SupplierRead, responses=ERRORS)
async def suspend_supplier(supplier_id: str, data: StatusChange, session: SessionDep,
                           principal: DohAdmin, now: NowDep) -> SupplierRead:
    """Suspend an active supplier (DoH administrators): from `effective_on` (default today) it
    can be neither invited nor bid; a later day schedules the suspension."""
    supplier = await service.change_status(session, supplier_id, "suspend", data,
                                           by=Actor.of(principal), now=now)
    return SupplierRead.model_validate(service.view(supplier, now.date()))


@router.post("/{supplier_id}/reinstate", response_model=SupplierRead, responses=ERRORS)
async def reinstate_supplier(supplier_id: str, data: StatusChange, session: SessionDep,
                             principal: DohAdmin, now: NowDep) -> SupplierRead:
    """Reinstate a suspended supplier (DoH administrators)."""
    supplier = await service.change_status(session, supplier_id, "reinstate", data,
                                           by=Actor.of(principal), now=now)
    return SupplierRead.model_validate(service.view(supplier, now.date()))


@router.post("/{supplier_id}/remove", response_model=SupplierRead, responses=ERRORS)
async def remove_supplier(supplier_id: str, data: StatusChange, session: SessionDep,
                          principal: DohAdmin, now: NowDep) -> SupplierRead:
    """Remove a supplier from the framework for good (DoH administrators)."""
    supplier = await service.change_status(session, supplier_id, "remove", data,
                                           by=Actor.of(principal), now=now)
    return SupplierRead.model_validate(service.view(supplier, now.date()))


@router.get("/{supplier_id}/history", response_model=list[ChangeRead], responses=ERRORS)
async def supplier_history(supplier_id: str, session: SessionDep,
                           _: Reader) -> list[ChangeRead]:
    """Every change of the supplier's status, oldest first."""
    await service.get(session, supplier_id)
    return [ChangeRead.model_validate(c) for c in await changes(session, "supplier",
                                                                 supplier_id)]
