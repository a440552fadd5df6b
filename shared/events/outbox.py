"""Adding an event to the outbox inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.events.contracts import contract_for
from shared.events.envelope import Envelope, new_envelope
from shared.logging import current_correlation_id


class Outbox:
    """A service's outbox: `add` writes the event row in the session's transaction."""

    def __init__(self, table: Table, *, service: str) -> None:
        self.table = table
        self.source = f"/services/{service}"

    async def add(self, session: AsyncSession, payload: BaseModel) -> Envelope:
        """Queue `payload` for publication; it is sent only if the transaction commits."""
        entry = contract_for(payload)
        key = str(getattr(payload, entry.key_field))
        envelope = new_envelope(
            source=self.source,
            type_=entry.type,
            subject=key,
            data=payload.model_dump(mode="json"),
            correlation_id=current_correlation_id(),
        )
        await session.execute(
            insert(self.table).values(
                event_id=envelope.id,
                topic=entry.topic,
                key=key,
                type=entry.type,
                payload=envelope.to_bytes(),
                created_at=datetime.now(UTC),
            )
        )
        return envelope
