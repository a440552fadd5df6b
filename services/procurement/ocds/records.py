"""A call-off's facts as the OCDS rules take them (CallOffRecord), from the database or the feed."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.bid.models import Bid
from services.procurement.call_off.models import CANCELLED, CallOff
from services.procurement.contract.models import Contract
from services.procurement.database import directory
from services.procurement.rules.ocds import CallOffAward, CallOffRecord, Organisation


async def call_off_record(session: AsyncSession, call_off: CallOff, *,
                          now: datetime) -> CallOffRecord:
    """The open data of a call-off as at `now`: bidders are named only once bidding closed."""
    bidders: tuple[str, ...] = ()
    if now >= call_off.bid_deadline:
        bidders = tuple((await session.scalars(
            select(Bid.supplier_id).where(Bid.call_off_id == call_off.id)
            .order_by(Bid.submitted_at, Bid.supplier_id))).all())
    contract = await session.scalar(select(Contract).where(Contract.call_off_id == call_off.id))
    return CallOffRecord(
        call_off_id=call_off.id, title=call_off.title, buyer=await _buyer(session, call_off),
        package_type=call_off.package_type, services=tuple(call_off.services),
        published_on=call_off.published_at.date(), bidder_ids=bidders,
        estimated_value_pence=call_off.estimated_value_pence,
        award=_award(call_off, contract) if contract else None,
        cancelled=call_off.status == CANCELLED)


def _award(call_off: CallOff, contract: Contract) -> CallOffAward:
    assert call_off.award_decided_on is not None
    return CallOffAward(
        supplier_id=contract.supplier_id, value_pence=contract.value_pence,
        decided_on=call_off.award_decided_on, contract_id=contract.id,
        contract_start=contract.start_date, contract_end=contract.end_date,
        payment_model=contract.payment_model, payment_params=dict(contract.payment_terms),
        signed_on=contract.signed_on)


async def _buyer(session: AsyncSession, call_off: CallOff) -> Organisation:
    """The PCT by its ODS code and name (its id when the directory does not know it)."""
    row = (await session.execute(select(directory.c.code, directory.c.name).where(
        directory.c.organisation_id == call_off.pct_id))).first()
    return Organisation(row.code, row.name) if row else Organisation(call_off.pct_id,
                                                                     call_off.pct_id)


def to_json(record: CallOffRecord) -> dict[str, Any]:
    return _plain(asdict(record))


def from_json(data: dict[str, Any]) -> CallOffRecord:
    award = data.get("award")
    return CallOffRecord(
        call_off_id=data["call_off_id"], title=data["title"],
        buyer=Organisation(**data["buyer"]), package_type=data["package_type"],
        services=tuple(data["services"]), published_on=date.fromisoformat(data["published_on"]),
        bidder_ids=tuple(data["bidder_ids"]),
        estimated_value_pence=data["estimated_value_pence"],
        award=_award_from_json(award) if award else None,
        description=data["description"], cancelled=data["cancelled"])


def _award_from_json(data: dict[str, Any]) -> CallOffAward:
    days = {name: date.fromisoformat(data[name]) if data[name] else None
            for name in ("decided_on", "contract_start", "contract_end", "signed_on")}
    return CallOffAward(
        supplier_id=data["supplier_id"], value_pence=data["value_pence"],
        contract_id=data["contract_id"], payment_model=data["payment_model"],
        payment_params=data["payment_params"], **days)  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
