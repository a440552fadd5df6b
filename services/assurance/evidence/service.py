"""Evidence: documents attached to sub-competencies, hashed and versioned by title."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.assessment import service as assessments
from services.assurance.assessment import workflow
from services.assurance.assessment.codes import check_sub_competencies
from services.assurance.cycle.models import new_id
from services.assurance.cycle.reference import framework_of
from services.assurance.evidence.models import Evidence, EvidenceContent
from services.assurance.evidence.schemas import EvidenceUpload
from shared.auth import Principal
from shared.errors import NotFound, PayloadTooLarge, RuleViolation


def decode(data: EvidenceUpload, max_bytes: int) -> bytes:
    """The document's bytes; 422 if not base64 or empty, 413 above `max_bytes`."""
    if len(data.content_base64) > (max_bytes + 2) // 3 * 4 + 4:
        raise PayloadTooLarge(f"evidence is limited to {max_bytes} bytes")
    try:
        content = base64.b64decode(data.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise RuleViolation("content_base64 is not valid base64", errors=[
            {"loc": ["body", "content_base64"], "msg": "not valid base64"}]) from None
    if not content:
        raise RuleViolation("the document is empty", errors=[
            {"loc": ["body", "content_base64"], "msg": "empty"}])
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"evidence is limited to {max_bytes} bytes")
    return content


async def upload(session: AsyncSession, assessment_id: str, data: EvidenceUpload,
                 by: Principal, *, max_bytes: int) -> Evidence:
    """The PCT attaches a document (an edit of its self-assessment: may void a review)."""
    content = decode(data, max_bytes)
    assessment = await assessments.editable(session, assessment_id, by)
    check_sub_competencies(framework_of(assessment.cycle), [data.sub_competency],
                           "sub_competency")
    latest = await session.scalar(select(func.max(Evidence.version)).where(
        Evidence.assessment_id == assessment.id, Evidence.sub_competency == data.sub_competency,
        Evidence.title == data.title))
    evidence = Evidence(
        id=new_id(), assessment_id=assessment.id, sub_competency=data.sub_competency,
        title=data.title, media_type=data.media_type, size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(), version=(latest or 0) + 1,
        uploaded_by=by.subject, uploaded_at=datetime.now(UTC))
    session.add(evidence)
    session.add(EvidenceContent(evidence_id=evidence.id, content=content))
    workflow.record(session, assessment, "attach_evidence", by, reason=data.note, details={
        "evidence_id": evidence.id, "title": data.title, "version": evidence.version,
        "sha256": evidence.sha256})
    assessments.void_review(session, assessment, by, "evidence attached")
    return evidence


async def get_all(session: AsyncSession, assessment_id: str,
                  by: Principal) -> Sequence[Evidence]:
    await assessments.get(session, assessment_id, by)
    return (await session.scalars(
        select(Evidence).where(Evidence.assessment_id == assessment_id)
        .order_by(Evidence.sub_competency, Evidence.title, Evidence.version))).all()


async def content(session: AsyncSession, assessment_id: str, evidence_id: str,
                  by: Principal) -> tuple[Evidence, bytes]:
    await assessments.get(session, assessment_id, by)
    row = (await session.execute(
        select(Evidence, EvidenceContent.content)
        .join(EvidenceContent, EvidenceContent.evidence_id == Evidence.id)
        .where(Evidence.id == evidence_id, Evidence.assessment_id == assessment_id))).first()
    if row is None:
        raise NotFound(f"evidence {evidence_id} does not exist on assessment {assessment_id}")
    return row[0], row[1]
