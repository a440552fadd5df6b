"""Making contracts from awarded call-offs after standstill, and signing them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.bid.models import Bid
from services.procurement.call_off import service as call_offs
from services.procurement.call_off.models import AWARDED as CALL_OFF_AWARDED
from services.procurement.call_off.models import CONTRACTED as CALL_OFF_CONTRACTED
from services.procurement.call_off.models import CallOff
from services.procurement.contract.models import AWARDED, SIGNED, Contract
from services.procurement.contract.schemas import ContractCreate
from services.procurement.database import outbox
from services.procurement.history import service as history
from services.procurement.history.service import Actor
from services.procurement.ocds import feed
from services.procurement.request import service as requests
from services.procurement.request.content import rule_violation
from services.procurement.request.models import CONTRACTED, ProcurementRequest
from services.procurement.request.repository import page as paged
from services.procurement.rules.framework import Framework
from services.procurement.rules.packages import Violation
from services.procurement.rules.payments import check_risk_transfer
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.contracts.procurement import ContractAwarded, ContractSigned
from shared.pagination import PageParams

AGGREGATE = "contract"


async def visible(session: AsyncSession, by: Principal) -> ColumnElement[bool]:
    """Contracts of the PCTs the caller sees; a supplier sees only its own."""
    if by.org_type != "SUPPLIER":
        return await access.pct_scope(session, by, Contract.pct_id)
    code = await access.supplier_code(session, by)
    return Contract.supplier_id == code if code else false()


async def get(session: AsyncSession, contract_id: str, *, by: Principal) -> Contract:
    contract = await session.scalar(select(Contract).where(
        Contract.id == contract_id, await visible(session, by)))
    if contract is None:
        raise NotFound(f"contract {contract_id} does not exist or is not yours to see")
    return contract


async def get_all(session: AsyncSession, page: PageParams, *, by: Principal,
                  status: str | None = None) -> tuple[Sequence[Contract], int]:
    query = select(Contract).where(await visible(session, by))
    if status is not None:
        query = query.where(Contract.status == status)
    order = (Contract.created_at.desc(), Contract.id)
    return await paged(session, query, order, limit=page.limit, offset=page.offset)


async def make(session: AsyncSession, call_off_id: str, data: ContractCreate, *,
               by: Principal, now: datetime, framework: Framework) -> Contract:
    """Make the contract from the winning bid once standstill is over (PCT staff)."""
    call_off = await call_offs.get(session, call_off_id, by=by)
    access.require_own_pct(by, call_off.pct_id, "make its contracts")
    _require_after_standstill(call_off, data, now)
    bid = await session.get(Bid, call_off.awarded_bid_id)
    assert bid is not None
    refusal = check_risk_transfer(framework, call_off.package_type, bid.payment_model,
                                  bid.payment_terms, data.start_date)
    if refusal:
        raise rule_violation("the contract is refused", [Violation("payment_terms", refusal)])
    contract = Contract(
        call_off_id=call_off.id, request_id=call_off.request_id, bid_id=bid.id,
        pct_id=call_off.pct_id, sha_id=call_off.sha_id, supplier_id=bid.supplier_id,
        title=call_off.title, package_type=call_off.package_type,
        services=list(call_off.services), groupings=list(call_off.groupings),
        payment_model=bid.payment_model, payment_terms=dict(bid.payment_terms),
        value_pence=bid.price_pence, start_date=data.start_date, end_date=data.end_date,
        population_served=data.population_served, status=AWARDED, version=1,
        created_by=by.subject, created_at=now, updated_at=now)
    session.add(contract)
    await session.flush()
    history.record(session, aggregate=AGGREGATE, aggregate_id=contract.id, version=1,
                   action="awarded", actor=Actor.of(by), at=now, before={},
                   after=snapshot(contract))
    await _contracted(session, call_off, by=Actor.of(by), now=now)
    await outbox.add(session, ContractAwarded(
        contract_id=contract.id, call_off_id=call_off.id, pct_id=contract.pct_id,
        sha_id=contract.sha_id, supplier_id=contract.supplier_id,
        package_type=contract.package_type,  # type: ignore[arg-type]
        groupings=contract.groupings, payment_model=contract.payment_model,  # type: ignore[arg-type]
        value_pence=contract.value_pence, start_date=contract.start_date,
        end_date=contract.end_date, population_served=contract.population_served))
    return contract


async def sign(session: AsyncSession, contract_id: str, *, by: Principal,
               now: datetime) -> Contract:
    """Sign for your side (the PCT or the supplier); signed by both, the contract is live."""
    contract = await get(session, contract_id, by=by)
    side = "supplier" if by.org_type == "SUPPLIER" else "pct"
    if side == "pct":
        access.require_own_pct(by, contract.pct_id, "sign its contracts")
    if getattr(contract, f"{side}_signed_by") is not None:
        raise Conflict(f"the {side.upper() if side == 'pct' else side} has already signed")
    before = snapshot(contract)
    setattr(contract, f"{side}_signed_by", by.subject)
    setattr(contract, f"{side}_signed_at", now)
    both = contract.pct_signed_by is not None and contract.supplier_signed_by is not None
    if both:
        contract.status, contract.signed_on = SIGNED, now.date()
    await changed(session, contract, f"signed_by_{side}", before, by=Actor.of(by), now=now)
    if both:
        call_off = await session.get(CallOff, contract.call_off_id)
        assert call_off is not None
        await feed.append(session, call_off, now=now)  # OCDS: the contract is now active
        await outbox.add(session, ContractSigned(
            contract_id=contract.id, pct_id=contract.pct_id, supplier_id=contract.supplier_id,
            payment_model=contract.payment_model,  # type: ignore[arg-type]
            value_pence=contract.value_pence, signed_on=now.date()))
    return contract


async def changed(session: AsyncSession, contract: Contract, action: str,
                  before: dict[str, Any], *, by: Actor, now: datetime,
                  after: dict[str, Any] | None = None) -> None:
    contract.version += 1
    contract.updated_at = now
    history.record(session, aggregate=AGGREGATE, aggregate_id=contract.id,
                   version=contract.version, action=action, actor=by, at=now, before=before,
                   after=after if after is not None else snapshot(contract))


async def history_of(session: AsyncSession, contract_id: str, *,
                     by: Principal) -> Sequence[Any]:
    await get(session, contract_id, by=by)
    return await history.changes(session, AGGREGATE, contract_id)


def snapshot(contract: Contract) -> dict[str, Any]:
    def iso(value: Any) -> Any:
        return value.isoformat() if value is not None else None

    return {
        "status": contract.status, "supplier_id": contract.supplier_id,
        "value_pence": contract.value_pence, "payment_model": contract.payment_model,
        "payment_terms": dict(contract.payment_terms),
        "start_date": iso(contract.start_date), "end_date": iso(contract.end_date),
        "pct_signed_by": contract.pct_signed_by, "pct_signed_at": iso(contract.pct_signed_at),
        "supplier_signed_by": contract.supplier_signed_by,
        "supplier_signed_at": iso(contract.supplier_signed_at),
        "signed_on": iso(contract.signed_on),
    }


def _require_after_standstill(call_off: CallOff, data: ContractCreate, now: datetime) -> None:
    if call_off.status != CALL_OFF_AWARDED:
        raise Conflict(f"the call-off is {call_off.status}; a contract follows an award")
    ends = call_off.standstill_ends
    assert ends is not None
    if now.date() <= ends:
        raise Conflict(f"the standstill period runs until {ends.isoformat()}; the contract "
                       f"may be made from {(ends + timedelta(days=1)).isoformat()}")
    if data.start_date <= ends:
        raise rule_violation("the contract cannot start yet", [Violation(
            "start_date", f"a contract starts after the standstill period (ends "
                          f"{ends.isoformat()})")])


async def _contracted(session: AsyncSession, call_off: CallOff, *, by: Actor,
                      now: datetime) -> None:
    before = await call_offs.snapshot(session, call_off)
    call_off.status = CALL_OFF_CONTRACTED
    await call_offs.changed(session, call_off, "contracted", before, by=by, now=now)
    request = await session.get(ProcurementRequest, call_off.request_id)
    assert request is not None
    await requests.set_status(session, request, CONTRACTED, action="contracted", by=by, now=now)
