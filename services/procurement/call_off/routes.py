from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.procurement.call_off import award as awarding
from services.procurement.call_off import service
from services.procurement.call_off.schemas import (
    CallOffCreate,
    CallOffRead,
    CallOffStatus,
    Cancellation,
    EvaluationRead,
    RerunCreate,
)
from services.procurement.deps import Evaluator, FrameworkDep, NowDep, PctStaff, Reader
from services.procurement.history.schemas import ChangeRead
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Page, PageDep

router = APIRouter(prefix="/call-offs", tags=["call-offs"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", response_model=CallOffRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def open_call_off(data: CallOffCreate, session: SessionDep, principal: PctStaff,
                        now: NowDep, framework: FrameworkDep) -> CallOffRead:
    """Open a mini-competition for your PCT's approved request.

    Every active supplier on the package's list and approved for its groupings is invited;
    with fewer than the framework's minimum the call-off cannot open (409, with the reason).
    Publishes procurement.call_off.published.
    """
    call_off = await service.publish(session, data, by=principal, now=now, framework=framework)
    [shown] = await service.present(session, [call_off], now)
    return CallOffRead.model_validate(shown)


@router.get("", response_model=Page[CallOffRead], responses=ERRORS)
async def list_call_offs(
    session: SessionDep, page: PageDep, principal: Reader, now: NowDep,
    status: Annotated[CallOffStatus | None, Query(description="only this status")] = None,
    request_id: Annotated[str | None, Query(max_length=36)] = None,
) -> Page[CallOffRead]:
    """Call-offs you may see, newest first; a supplier sees those it is invited to."""
    items, total = await service.get_all(session, page, by=principal, status=status,
                                         request_id=request_id)
    shown = await service.present(session, items, now)
    return Page[CallOffRead](items=[CallOffRead.model_validate(s) for s in shown], total=total,
                             limit=page.limit, offset=page.offset)


@router.get("/{call_off_id}", response_model=CallOffRead, responses=ERRORS)
async def read_call_off(call_off_id: str, session: SessionDep, principal: Reader,
                        now: NowDep) -> CallOffRead:
    """One call-off: criteria and weights, deadlines, invitees, award and standstill."""
    call_off = await service.get(session, call_off_id, by=principal)
    [shown] = await service.present(session, [call_off], now)
    return CallOffRead.model_validate(shown)


@router.get("/{call_off_id}/evaluation", response_model=EvaluationRead, responses=ERRORS)
async def evaluation(call_off_id: str, session: SessionDep, principal: Reader,
                     now: NowDep) -> EvaluationRead:
    """The MEAT ranking of the scored bids (after the bid deadline; not for suppliers).

    price score = lowest price / bid price x price weight; quality score = sum of score / max
    x criterion weight; total = both; ties go to the higher quality, then the earlier bid.
    """
    return EvaluationRead.model_validate(
        await awarding.evaluate(session, call_off_id, by=principal, now=now))


@router.post("/{call_off_id}/award", response_model=CallOffRead, responses=ERRORS)
async def award_call_off(call_off_id: str, session: SessionDep, principal: Evaluator,
                         now: NowDep, framework: FrameworkDep) -> CallOffRead:
    """Award the call-off to the top-ranked bid once every bid is scored (PCT evaluators).

    The standstill period starts (the contract may be made the day after it ends).
    Publishes procurement.call_off.awarded.
    """
    call_off = await awarding.award(session, call_off_id, by=principal, now=now,
                                    framework=framework)
    [shown] = await service.present(session, [call_off], now)
    return CallOffRead.model_validate(shown)


@router.post("/{call_off_id}/cancel", response_model=CallOffRead, responses=ERRORS)
async def cancel_call_off(call_off_id: str, data: Cancellation, session: SessionDep,
                          principal: PctStaff, now: NowDep) -> CallOffRead:
    """Cancel the call-off (before its contract), with the reason; it may then be re-run.

    Publishes procurement.call_off.cancelled.
    """
    call_off = await service.cancel(session, call_off_id, data, by=principal, now=now)
    [shown] = await service.present(session, [call_off], now)
    return CallOffRead.model_validate(shown)


@router.post("/{call_off_id}/rerun", response_model=CallOffRead,
             status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def rerun_call_off(call_off_id: str, data: RerunCreate, session: SessionDep,
                         principal: PctStaff, now: NowDep,
                         framework: FrameworkDep) -> CallOffRead:
    """Run a cancelled call-off again with new deadlines; the suppliers active now are invited."""
    call_off = await service.rerun(session, call_off_id, data, by=principal, now=now,
                                   framework=framework)
    [shown] = await service.present(session, [call_off], now)
    return CallOffRead.model_validate(shown)


@router.get("/{call_off_id}/history", response_model=list[ChangeRead], responses=ERRORS)
async def call_off_history(call_off_id: str, session: SessionDep,
                           principal: Reader) -> list[ChangeRead]:
    """Every change to the call-off, oldest first (JSON Patch). Bid prices are not in it."""
    changes = await service.history_of(session, call_off_id, by=principal)
    return [ChangeRead.model_validate(c) for c in changes]
