"""Approved suppliers: seeding from the framework file, suspension, reinstatement, removal.

A status change takes effect on its `effective_on` day: today or earlier at once; a later day is
scheduled (one at a time) and counts from that day, judged against the `now` a route passes in,
so invitations, bids, evaluations and open data see the status in force on their own day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement.database import outbox
from services.procurement.history import service as history
from services.procurement.history.service import Actor
from services.procurement.rules import framework as rules
from services.procurement.supplier import repository
from services.procurement.supplier.models import ACTIVE, REMOVED, SUSPENDED, Supplier
from services.procurement.supplier.schemas import StatusChange
from shared.errors import Conflict, NotFound
from shared.events.contracts.procurement import SupplierStatusChanged

AGGREGATE = "supplier"
# action -> (the statuses it may start from, the status it leaves, the history's verb)
TRANSITIONS = {
    "suspend": ((ACTIVE,), SUSPENDED, "suspended"),
    "reinstate": ((SUSPENDED,), ACTIVE, "reinstated"),
    "remove": ((ACTIVE, SUSPENDED), REMOVED, "removed"),
}
SCHEDULED = {"suspend": "suspension_scheduled", "reinstate": "reinstatement_scheduled",
             "remove": "removal_scheduled"}


@dataclass(frozen=True, slots=True)
class Standing:
    """A supplier's status in force on a day, why, and since when."""

    status: str
    reason: str | None
    since: date | None


def standing_on(supplier: Supplier, day: date) -> Standing:
    if supplier.scheduled_on is not None and supplier.scheduled_on <= day:
        assert supplier.scheduled_status is not None
        return Standing(supplier.scheduled_status, supplier.scheduled_reason,
                        supplier.scheduled_on)
    return Standing(supplier.status, supplier.status_reason, supplier.status_effective_on)


async def get(session: AsyncSession, code: str) -> Supplier:
    supplier = await session.get(Supplier, code)
    if supplier is None:
        raise NotFound(f"supplier {code} is not on the framework")
    return supplier


async def get_all(session: AsyncSession, *, on: date,
                  status: str | None = None) -> Sequence[Supplier]:
    """Every supplier, or those whose status in force on `on` is `status`."""
    return await repository.get_all(session, on=on, status=status)


async def change_status(session: AsyncSession, code: str, action: str, data: StatusChange, *,
                        by: Actor, now: datetime) -> Supplier:
    """Suspend, reinstate or remove a supplier from its effective date (default: today)."""
    supplier = await get(session, code)
    today, before = now.date(), snapshot(supplier)
    _settle(supplier, today)
    if supplier.scheduled_on is not None:
        raise Conflict(f"supplier {code} is already due to become {supplier.scheduled_status} "
                       f"on {supplier.scheduled_on.isoformat()}; a further change can be made "
                       "from that day")
    allowed_from, target, done = TRANSITIONS[action]
    if supplier.status not in allowed_from:
        raise Conflict(f"supplier {code} is {supplier.status}; it cannot be {done} "
                       f"(only a supplier that is {' or '.join(allowed_from)} can)")
    effective = data.effective_on or today
    if effective > today:
        supplier.scheduled_status, supplier.scheduled_reason = target, data.reason
        supplier.scheduled_on, done = effective, SCHEDULED[action]
    else:
        supplier.status, supplier.status_reason = target, data.reason
        supplier.status_effective_on = effective
    supplier.version += 1
    supplier.updated_at = now
    history.record(session, aggregate=AGGREGATE, aggregate_id=code, version=supplier.version,
                   action=done, actor=by, at=now,
                   before=before, after=snapshot(supplier))
    await outbox.add(session, SupplierStatusChanged(
        supplier_id=code, organisation_id=supplier.organisation_id,
        status=target,  # type: ignore[arg-type]
        reason=data.reason, effective_on=effective))
    return supplier


def view(supplier: Supplier, today: date) -> dict[str, Any]:
    """The supplier as the API shows it: the status in force today and any change to come."""
    columns = {c.key: getattr(supplier, c.key) for c in Supplier.__table__.columns}
    standing = standing_on(supplier, today)
    coming = supplier.scheduled_on is not None and supplier.scheduled_on > today
    return {**columns, "status": standing.status, "status_reason": standing.reason,
            "status_effective_on": standing.since,
            "scheduled_status": supplier.scheduled_status if coming else None,
            "scheduled_reason": supplier.scheduled_reason if coming else None,
            "scheduled_on": supplier.scheduled_on if coming else None}


def _settle(supplier: Supplier, today: date) -> None:
    """A scheduled change whose day has come becomes the status (before the next change)."""
    if supplier.scheduled_on is None or supplier.scheduled_on > today:
        return
    standing = standing_on(supplier, today)
    supplier.status, supplier.status_reason = standing.status, standing.reason
    supplier.status_effective_on = standing.since
    supplier.scheduled_status = supplier.scheduled_reason = supplier.scheduled_on = None


async def seed(session: AsyncSession, framework: rules.Framework, *, now: datetime) -> int:
    """Add the framework's suppliers not yet present and link every one to the directory."""
    linked = await repository.directory_ids(session)
    added = 0
    for entry in framework.suppliers:
        supplier = await session.get(Supplier, entry.code)
        if supplier is None:
            supplier = Supplier(
                code=entry.code, name=entry.name, status_of_name=entry.status_of_name,
                approved_lists=list(entry.approved_lists),
                approved_groupings=list(entry.approved_groupings),
                framework_version=framework.version, status=ACTIVE, version=1, updated_at=now)
            session.add(supplier)
            history.record(session, aggregate=AGGREGATE, aggregate_id=entry.code, version=1,
                           action="seeded", actor=Actor("system:seed"), at=now, before={},
                           after=snapshot(supplier))
            added += 1
        supplier.organisation_id = linked.get(entry.code, supplier.organisation_id)
    await session.flush()
    return added


async def link(session: AsyncSession, *, code: str, organisation_id: str) -> None:
    """A SUPPLIER organisation reached the directory: link the supplier of that code to it."""
    supplier = await session.get(Supplier, code)
    if supplier is not None:
        supplier.organisation_id = organisation_id


def as_rule_suppliers(suppliers: Sequence[Supplier]) -> tuple[rules.Supplier, ...]:
    """The rows as the pure rules' Supplier (approval lists as held now, not as seeded)."""
    return tuple(rules.Supplier(
        code=s.code, name=s.name, status_of_name=s.status_of_name,  # type: ignore[arg-type]
        approved_lists=tuple(s.approved_lists),  # type: ignore[arg-type]
        approved_groupings=tuple(s.approved_groupings)) for s in suppliers)


async def framework_of_active(session: AsyncSession, framework: rules.Framework, *,
                              on: date) -> rules.Framework:
    """The framework whose supplier list is the suppliers active on `on` (for invitations)."""
    suppliers = as_rule_suppliers(await repository.active(session, on=on))
    return framework.model_copy(update={"suppliers": suppliers})


def snapshot(supplier: Supplier) -> dict[str, Any]:
    state = {
        "code": supplier.code, "name": supplier.name, "status": supplier.status,
        "status_reason": supplier.status_reason,
        "status_effective_on": _iso(supplier.status_effective_on),
        "approved_lists": list(supplier.approved_lists),
        "approved_groupings": list(supplier.approved_groupings),
    }
    if supplier.scheduled_on is not None:  # a key only while a change is due (add / remove)
        state["scheduled"] = {"status": supplier.scheduled_status,
                              "reason": supplier.scheduled_reason,
                              "effective_on": _iso(supplier.scheduled_on)}
    return state


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None
