from __future__ import annotations

from fastapi import APIRouter

from services.procurement.deps import Approver, NowDep, Reader
from services.procurement.request import service as requests
from services.procurement.request.schemas import RequestRead
from services.procurement.signoff import service
from services.procurement.signoff.schemas import SignoffCreate, SignoffRead
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/requests/{request_id}/signoffs", tags=["sign-off"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", response_model=RequestRead, responses=ERRORS)
async def sign_off(request_id: str, data: SignoffCreate, session: SessionDep,
                   principal: Approver, now: NowDep) -> RequestRead:
    """Approve or refuse a request, on the content you read (quote its content_hash).

    dg_commissioning: the DoH director general of commissioning; sha: an administrator of the
    PCT's own SHA (another SHA gets 403); doh_joint_venture: the DoH. End-to-end sign-offs may
    come in either order. A refusal (with its reason) ends the request; approving the same
    content twice changes nothing. Returns the request as it now stands and publishes
    procurement.signoff.decided.
    """
    request = await service.decide(session, request_id, data, by=principal, now=now)
    return RequestRead.model_validate(await requests.present(session, request))


@router.get("", response_model=list[SignoffRead], responses=ERRORS)
async def list_signoffs(request_id: str, session: SessionDep,
                        principal: Reader) -> list[SignoffRead]:
    """Every decision on the request, voided ones included, with the snapshot decided on."""
    await requests.get(session, request_id, by=principal)
    return [SignoffRead.model_validate(s) for s in await service.get_all(session, request_id)]
