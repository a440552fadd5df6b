from __future__ import annotations

from fastapi import APIRouter, status

from services.procurement.bid import service
from services.procurement.bid.schemas import BidCreate, BidRead, ScoresIn
from services.procurement.deps import Evaluator, FrameworkDep, NowDep, Reader, SupplierStaff
from services.procurement.history.schemas import ChangeRead
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(tags=["bids"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("/call-offs/{call_off_id}/bids", response_model=BidRead,
             status_code=status.HTTP_201_CREATED, responses=ERRORS)
async def submit_bid(call_off_id: str, data: BidCreate, session: SessionDep,
                     principal: SupplierStaff, now: NowDep,
                     framework: FrameworkDep) -> BidRead:
    """Submit your supplier's sealed bid (invited, active suppliers, before the deadline).

    Submitting again before the deadline replaces the bid. Answers must cover exactly the
    published criteria; the payment terms must be valid for the model, and an end-to-end
    package may not put more than 10% of the fee at risk in its first 24 months (422).
    Publishes procurement.bid.submitted (without the price).
    """
    bid = await service.submit(session, call_off_id, data, by=principal, now=now,
                               framework=framework)
    return BidRead.model_validate(bid)


@router.get("/call-offs/{call_off_id}/bids", response_model=list[BidRead], responses=ERRORS)
async def list_bids(call_off_id: str, session: SessionDep, principal: Reader,
                    now: NowDep) -> list[BidRead]:
    """A supplier sees its own bid; the PCT, its SHA and the DoH see every bid, but only after
    the bid deadline (403 before: bids are sealed)."""
    return [BidRead.model_validate(b) for b in await service.get_all(
        session, call_off_id, by=principal, now=now)]


@router.get("/bids/{bid_id}", response_model=BidRead, responses=ERRORS)
async def read_bid(bid_id: str, session: SessionDep, principal: Reader, now: NowDep) -> BidRead:
    """One bid: its supplier's own at any time; the buyer's side after the deadline only."""
    return BidRead.model_validate(await service.get(session, bid_id, by=principal, now=now))


@router.put("/bids/{bid_id}/scores", response_model=BidRead, responses=ERRORS)
async def score_bid(bid_id: str, data: ScoresIn, session: SessionDep, principal: Evaluator,
                    now: NowDep) -> BidRead:
    """Record your PCT's quality scores for a bid, one per criterion (after the deadline,
    until the award)."""
    return BidRead.model_validate(await service.score(session, bid_id, data, by=principal,
                                                      now=now))


@router.get("/bids/{bid_id}/history", response_model=list[ChangeRead], responses=ERRORS)
async def bid_history(bid_id: str, session: SessionDep, principal: Reader,
                      now: NowDep) -> list[ChangeRead]:
    """Every change to one bid, oldest first (submitted, replaced, scored; JSON Patch, prices
    included): for its supplier at any time, for the buyer's side after the deadline."""
    changes = await service.history_of(session, bid_id, by=principal, now=now)
    return [ChangeRead.model_validate(c) for c in changes]
