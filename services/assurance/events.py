"""Queueing many events at once: the rows `Outbox.add` writes, in one executemany round trip.

Publishing a national cycle queues about a thousand events (rated, granted, support needs);
one INSERT each would cost a round trip each. `queue_all` writes exactly what
`shared.events.outbox.Outbox.add` writes (same envelope, topic, key and type), in the caller's
transaction, so the relay cannot tell the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.assurance.database import outbox
from shared.events.contracts import contract_for
from shared.events.envelope import Envelope, new_envelope
from shared.logging import current_correlation_id


async def queue_all(session: AsyncSession, payloads: Sequence[BaseModel]) -> list[Envelope]:
    """Add every payload to the outbox, in order; sent only if the transaction commits."""
    if not payloads:
        return []
    now, correlation = datetime.now(UTC), current_correlation_id()
    rows, envelopes = [], []
    for payload in payloads:
        entry = contract_for(payload)
        key = str(getattr(payload, entry.key_field))
        envelope = new_envelope(source=outbox.source, type_=entry.type, subject=key,
                                data=payload.model_dump(mode="json"),
                                correlation_id=correlation, time=now)
        envelopes.append(envelope)
        rows.append({"event_id": envelope.id, "topic": entry.topic, "key": key,
                     "type": entry.type, "payload": envelope.to_bytes(), "created_at": now})
    await session.execute(insert(outbox.table), rows)
    return envelopes
