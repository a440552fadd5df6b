from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from services.assurance.cycle.models import new_id
from services.assurance.database import Base


class Evidence(Base):
    """A document's metadata; re-uploading the same title makes the next version."""

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_document", "assessment_id", "sub_competency", "title", "version",
              unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessment.id"))
    sub_competency: Mapped[str] = mapped_column(String(6))
    title: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EvidenceContent(Base):
    """The bytes of one evidence version, apart so that listings never load them."""

    __tablename__ = "evidence_content"

    evidence_id: Mapped[str] = mapped_column(ForeignKey("evidence.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
