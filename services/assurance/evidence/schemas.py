from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.assurance.assessment.schemas import SubCompetencyCode


class EvidenceUpload(BaseModel):
    """A document for a sub-competency, its content base64-encoded in the JSON body."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "sub_competency": "5.1", "title": "Joint Strategic Needs Assessment 2009",
        "media_type": "application/pdf", "content_base64": "JVBERi0xLjQK..."}]})

    sub_competency: SubCompetencyCode
    title: str = Field(min_length=2, max_length=200,
                       description="re-uploading the same title makes its next version")
    media_type: str = Field(pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100,
                            description="e.g. application/pdf")
    content_base64: str = Field(min_length=4, description="the document, base64 (RFC 4648)")
    note: str | None = Field(default=None, max_length=2000)


class EvidenceRead(BaseModel):
    """A document's metadata: the content itself is at .../content."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    assessment_id: str
    sub_competency: str
    title: str
    media_type: str
    size_bytes: int
    sha256: str = Field(description="hex SHA-256 of the content")
    version: int
    uploaded_by: str
    uploaded_at: datetime
