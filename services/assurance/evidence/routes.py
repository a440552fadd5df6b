from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.assurance.deps import Commissioner, Reader, SettingsDep
from services.assurance.evidence import service
from services.assurance.evidence.schemas import EvidenceRead, EvidenceUpload
from shared.db import SessionDep
from shared.errors import problem_responses

router = APIRouter(prefix="/assessments/{assessment_id}/evidence", tags=["evidence"])
ERRORS = problem_responses(401, 403, 404, 409, 413, 422)


@router.post("", response_model=EvidenceRead, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
async def upload_evidence(assessment_id: str, data: EvidenceUpload, session: SessionDep,
                          principal: Commissioner, settings: SettingsDep) -> EvidenceRead:
    """Attach a document to a sub-competency (the PCT's commissioners). The SHA-256 and size
    are recorded; the same title again makes the next version. Over the size limit: 413."""
    evidence = await service.upload(session, assessment_id, data, principal,
                                    max_bytes=settings.evidence_max_bytes)
    return EvidenceRead.model_validate(evidence)


@router.get("", response_model=list[EvidenceRead], responses=ERRORS)
async def list_evidence(assessment_id: str, session: SessionDep,
                        principal: Reader) -> list[EvidenceRead]:
    """Every version of every document on the assessment (metadata only)."""
    items = await service.get_all(session, assessment_id, principal)
    return [EvidenceRead.model_validate(item) for item in items]


@router.get("/{evidence_id}/content", response_class=Response, responses={
    **ERRORS, 200: {"description": "the document", "content": {"application/octet-stream": {}}}})
async def download_evidence(assessment_id: str, evidence_id: str, session: SessionDep,
                            principal: Reader) -> Response:
    """The document's bytes, with its media type and SHA-256 (ETag)."""
    evidence, content = await service.content(session, assessment_id, evidence_id, principal)
    return Response(content, media_type=evidence.media_type, headers={
        "ETag": f'"{evidence.sha256}"',
        "Content-Disposition": f'attachment; filename="evidence-{evidence.id}"'})
