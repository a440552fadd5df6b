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

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "id": "549555f3-87a7-4acc-b042-b4cf65822968",
        "assessment_id": "64e8190f-513e-4850-bc2b-c608d9c3eea2",
        "sub_competency": "1.1", "title": "Strategic plan 2009-14",
        "media_type": "application/pdf", "size_bytes": 482_113,
        "sha256": "ff306942528c22fec24a3515d4fa35545f253e040364f6c05a6f44c7fdfb0b0d",
        "version": 2, "uploaded_by": "user:5nt-commissioner",
        "uploaded_at": "2009-11-12T15:40:00Z"}]})

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
