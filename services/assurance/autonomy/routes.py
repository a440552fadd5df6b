from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.assurance.autonomy import service
from services.assurance.autonomy.schemas import (
    DecisionRead,
    OversightSchedule,
    RevocationCreate,
    RevocationRead,
    ScheduledReviewRead,
)
from services.assurance.deps import Reader, ShaAdmin
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(tags=["autonomy"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get("/autonomy-decisions", response_model=Page[DecisionRead], responses=ERRORS)
async def list_decisions(
    session: SessionDep, page: PageDep, principal: Reader,
    pct_id: Annotated[str | None, Query(max_length=36)] = None,
    cycle_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[DecisionRead]:
    """Autonomy decisions you may see (your PCT's, your SHA's PCTs'; DoH and NHS CB all)."""
    items, total = await service.get_all(session, page, principal, pct_id=pct_id,
                                         cycle_id=cycle_id)
    return Page[DecisionRead](items=[DecisionRead.model_validate(d) for d in items],
                              total=total, limit=page.limit, offset=page.offset)


@router.get("/autonomy-decisions/{decision_id}", response_model=DecisionRead,
            responses=ERRORS)
async def read_decision(decision_id: str, session: SessionDep,
                        principal: Reader) -> DecisionRead:
    """One decision: tier, freedoms, the reasons checked and the period it applies."""
    return DecisionRead.model_validate(await service.get(session, decision_id, principal))


@router.post("/autonomy-decisions/{decision_id}/revocation", response_model=RevocationRead,
             responses=ERRORS)
async def revoke_decision(decision_id: str, data: RevocationCreate, session: SessionDep,
                          principal: ShaAdmin) -> RevocationRead:
    """The PCT's SHA revokes its freedoms from `effective_on`; the rules name the lower tier
    that replaces them. Emits assurance.autonomy.revoked and .granted (the replacement)."""
    revoked, replacement = await service.revoke(session, decision_id, data, principal)
    return RevocationRead(revoked=DecisionRead.model_validate(revoked),
                          replacement=DecisionRead.model_validate(replacement))


@router.get("/shas/{sha_id}/oversight-schedule", response_model=OversightSchedule,
            responses=ERRORS)
async def oversight_schedule(
    sha_id: str, session: SessionDep, principal: Reader,
    from_date: Annotated[date | None, Query(alias="from",
                                            description="as-of date; default today")] = None,
) -> OversightSchedule:
    """The next performance review of each of the SHA's PCTs, from their autonomy tiers
    (monthly in difficulty ... annual with full autonomy). SHA, DoH and NHS CB only."""
    on = from_date or date.today()
    reviews = await service.oversight(session, sha_id, on, principal)
    return OversightSchedule(sha_id=sha_id, from_date=on, reviews=[
        ScheduledReviewRead(pct_id=r.pct_id, tier=r.tier, review_on=r.review_on,
                            frequency_months=r.frequency_months) for r in reviews])
