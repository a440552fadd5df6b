from __future__ import annotations

from fastapi import APIRouter, status

from services.procurement import access
from services.procurement.call_off import clarification as service
from services.procurement.call_off.schemas import ClarificationRead, QuestionIn
from services.procurement.deps import NowDep, PctStaff, Reader, SupplierStaff
from services.procurement.history.schemas import ChangeRead
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/call-offs/{call_off_id}/clarifications", tags=["call-offs"])
ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", response_model=ClarificationRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def ask_question(call_off_id: str, data: QuestionIn, session: SessionDep,
                       principal: SupplierStaff, now: NowDep) -> ClarificationRead:
    """Ask a clarification question (invited suppliers, before the clarification deadline)."""
    asked = await service.ask(session, call_off_id, data.text, by=principal, now=now)
    shown = service.view(asked, by=principal, code=asked.supplier_id)
    return ClarificationRead.model_validate(shown)


@router.post("/{clarification_id}/answer", response_model=ClarificationRead, responses=ERRORS)
async def answer_question(call_off_id: str, clarification_id: str, data: QuestionIn,
                          session: SessionDep, principal: PctStaff,
                          now: NowDep) -> ClarificationRead:
    """Answer a question (the PCT); every invited supplier then sees question and answer."""
    answered = await service.answer(session, call_off_id, clarification_id, data.text,
                                    by=principal, now=now)
    return ClarificationRead.model_validate(service.view(answered, by=principal, code=None))


@router.get("", response_model=list[ClarificationRead], responses=ERRORS)
async def list_questions(call_off_id: str, session: SessionDep,
                         principal: Reader) -> list[ClarificationRead]:
    """Questions and answers; a supplier sees its own and every answered one (askers hidden)."""
    code = await access.supplier_code(session, principal)
    return [ClarificationRead.model_validate(service.view(c, by=principal, code=code))
            for c in await service.get_all(session, call_off_id, by=principal)]


@router.get("/{clarification_id}/history", response_model=list[ChangeRead], responses=ERRORS)
async def question_history(call_off_id: str, clarification_id: str, session: SessionDep,
                           principal: Reader) -> list[ChangeRead]:
    """A question's history (asked, answered; who and when): for the PCT's side and the
    supplier that asked it (it names the asker, so other suppliers get 404)."""
    changes = await service.history_of(session, call_off_id, clarification_id, by=principal)
    return [ChangeRead.model_validate(c) for c in changes]
