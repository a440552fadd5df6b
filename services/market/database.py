"""Market's declarative base: outbox, inbox and organisation directory on its metadata."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import DeclarativeBase

from shared.db import UtcDateTime
from shared.directory import directory_table
from shared.events.outbox import Outbox
from shared.events.tables import inbox_table, outbox_table


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


outbox = Outbox(outbox_table(Base.metadata), service="market")
inbox = inbox_table(Base.metadata)
directory = directory_table(Base.metadata)

__all__ = ["Base", "UtcDateTime", "directory", "inbox", "new_id", "outbox"]
