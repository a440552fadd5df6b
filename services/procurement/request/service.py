"""Raising and changing procurement requests; the approvals each needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.procurement import access
from services.procurement.database import new_id, outbox
from services.procurement.freedom import service as freedoms
from services.procurement.history import service as history
from services.procurement.history.models import Change
from services.procurement.history.service import Actor
from services.procurement.request import repository
from services.procurement.request.content import (
    approval_views,
    check_package,
    content_of,
    snapshot,
)
from services.procurement.request.models import (
    CONTRACTED,
    PROCURING,
    REFUSED,
    ProcurementRequest,
)
from services.procurement.request.schemas import RequestCreate, RequestUpdate
from services.procurement.rules import approvals as rules
from services.procurement.rules.framework import Framework
from services.procurement.rules.packages import groupings_of
from services.procurement.signoff import service as signoffs
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events.contracts.procurement import RequestCreated
from shared.pagination import PageParams

AGGREGATE = "request"


async def get(session: AsyncSession, request_id: str, *, by: Principal) -> ProcurementRequest:
    """A request the caller may see (404 otherwise)."""
    scope = await access.pct_scope(session, by, ProcurementRequest.pct_id)
    request = await session.scalar(repository.filtered(scope).where(
        ProcurementRequest.id == request_id))
    if request is None:
        raise NotFound(f"request {request_id} does not exist or is not yours to see")
    return request


async def get_all(session: AsyncSession, page: PageParams, *, by: Principal,
                  status: str | None = None, pct_id: str | None = None,
                  ) -> tuple[Sequence[ProcurementRequest], int]:
    scope = await access.pct_scope(session, by, ProcurementRequest.pct_id)
    query = repository.filtered(scope, status=status, pct_id=pct_id)
    order = (ProcurementRequest.created_at.desc(), ProcurementRequest.id)
    return await repository.page(session, query, order, limit=page.limit, offset=page.offset)


async def raise_request(session: AsyncSession, data: RequestCreate, *, by: Principal,
                        now: datetime, framework: Framework,
                        recommendation_id: str | None = None) -> ProcurementRequest:
    """A PCT raises a request; it needs the approvals its package, value and freedoms call for."""
    access.require_own_pct(by, by.org_id, "raise its procurement requests")
    content = data.model_dump()
    check_package(framework, content)
    sha_id, doh_id = await access.parents_of_pct(session, by.org_id)
    request = ProcurementRequest(
        **content_of(content), id=new_id(), pct_id=by.org_id, sha_id=sha_id, doh_id=doh_id,
        groupings=list(groupings_of(framework, data.services)), approvals=[],
        recommendation_id=recommendation_id, version=1, created_by=by.subject,
        created_at=now, updated_at=now)
    request.content_hash = rules.content_hash(content_of(request))
    signoffs.require_approvals(request, await _required(session, framework, request, now),
                               _approvers(request))
    session.add(request)
    await session.flush()
    history.record(session, aggregate=AGGREGATE, aggregate_id=request.id, version=1,
                   action="raised", actor=Actor.of(by), at=now, before={},
                   after=snapshot(request, await signoffs.load_state(session, request)))
    await outbox.add(session, RequestCreated(
        request_id=request.id, pct_id=request.pct_id, sha_id=sha_id,
        package_type=request.package_type,  # type: ignore[arg-type]
        services=request.services, groupings=request.groupings,
        estimated_value_pence=request.estimated_value_pence,
        joint_venture=request.joint_venture,
        approvals_needed=[a["role"] for a in request.approvals],
        recommendation_id=recommendation_id))
    await signoffs.ask(session, request)
    return request


async def update(session: AsyncSession, request_id: str, data: RequestUpdate, *,
                 by: Principal, now: datetime, framework: Framework) -> ProcurementRequest:
    """Change a request; a changed content voids the sign-offs given and asks for them again."""
    request = await get(session, request_id, by=by)
    access.require_own_pct(by, request.pct_id, "change its requests")
    _require_changeable(request)
    content = {**content_of(request), **data.model_dump(exclude_unset=True)}
    check_package(framework, content)
    new_hash = rules.content_hash(content)
    if new_hash == request.content_hash:
        return request
    before = snapshot(request, await signoffs.load_state(session, request))
    voided = await signoffs.void_approvals(session, request, new_hash, now=now)
    for name, value in content.items():
        setattr(request, name, value)
    request.groupings = list(groupings_of(framework, request.services))
    request.content_hash, request.version, request.updated_at = new_hash, request.version + 1, now
    previous = {a["role"] for a in request.approvals}
    required = await _required(session, framework, request, now)
    ask = voided | ({r.role for r in required} - previous)
    signoffs.require_approvals(request, required, _approvers(request))
    await signoffs.ask(session, request, roles=ask)
    history.record(session, aggregate=AGGREGATE, aggregate_id=request.id,
                   version=request.version, action="changed", actor=Actor.of(by), at=now,
                   before=before, after=snapshot(request, await signoffs.load_state(
                       session, request)))
    return request


async def set_status(session: AsyncSession, request: ProcurementRequest, status: str, *,
                     action: str, by: Actor, now: datetime) -> None:
    """Move the request along as its call-off and contract progress (recorded in its history)."""
    state = await signoffs.load_state(session, request)
    before = snapshot(request, state)
    request.status, request.version, request.updated_at = status, request.version + 1, now
    history.record(session, aggregate=AGGREGATE, aggregate_id=request.id,
                   version=request.version, action=action, actor=by, at=now, before=before,
                   after=snapshot(request, state))


async def history_of(session: AsyncSession, request_id: str, *,
                     by: Principal) -> Sequence[Change]:
    await get(session, request_id, by=by)
    return await history.changes(session, AGGREGATE, request_id)


async def present(session: AsyncSession, request: ProcurementRequest) -> dict[str, Any]:
    """The request as the API returns it, each approval with where it stands."""
    state = await signoffs.load_state(session, request)
    columns = {c.key: getattr(request, c.key) for c in ProcurementRequest.__table__.columns}
    return {**columns, "approvals": approval_views(request, state)}


def _require_changeable(request: ProcurementRequest) -> None:
    if request.status == REFUSED:
        raise Conflict("the request was refused; it cannot be changed (raise a new one)")
    if request.status in (PROCURING, CONTRACTED):
        raise Conflict(f"the request is {request.status}; it cannot change once a call-off "
                       "has opened (cancel the call-off first)")


async def _required(session: AsyncSession, framework: Framework, request: ProcurementRequest,
                    now: datetime) -> tuple[rules.RequiredApproval, ...]:
    held = await freedoms.held_on(session, request.pct_id, now.date())
    facts = rules.ApprovalFacts(package_type=request.package_type,  # type: ignore[arg-type]
                                estimated_value_pence=request.estimated_value_pence,
                                joint_venture=request.joint_venture)
    return rules.required_approvals(framework, facts, held)


def _approvers(request: ProcurementRequest) -> dict[str, str | None]:
    return {"sha": request.sha_id, "dg_commissioning": request.doh_id,
            "doh_joint_venture": request.doh_id}
