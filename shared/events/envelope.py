"""CloudEvents 1.0 structured-mode envelope (plus the `correlationid` extension)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

CONTENT_TYPE = "application/cloudevents+json"


class Envelope(BaseModel):
    """One event as it travels on Kafka: metadata plus the contract payload in `data`."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1, max_length=64)
    source: str = Field(min_length=1, description="/services/<service>")
    type: str = Field(pattern=r"^[a-z_]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
    subject: str | None = Field(default=None, description="the aggregate id (also the Kafka key)")
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    correlationid: str | None = None
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate_json(raw)


def new_envelope(*, source: str, type_: str, subject: str, data: dict[str, Any],
                 correlation_id: str | None, time: datetime | None = None) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source=source,
        type=type_,
        subject=subject,
        time=time or datetime.now(UTC),
        dataschema=f"urn:nhs-commissioning:events:{type_}",
        correlationid=correlation_id,
        data=data,
    )
