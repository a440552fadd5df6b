"""Identity's declarative base, with the outbox and inbox on its metadata."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.events.outbox import Outbox
from shared.events.tables import inbox_table, outbox_table


class Base(DeclarativeBase):
    pass


outbox = Outbox(outbox_table(Base.metadata), service="identity")
inbox = inbox_table(Base.metadata)
