"""Assurance's declarative base: outbox, inbox and organisation directory on its metadata."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.directory import directory_table
from shared.events.outbox import Outbox
from shared.events.tables import inbox_table, outbox_table


class Base(DeclarativeBase):
    pass


outbox = Outbox(outbox_table(Base.metadata), service="assurance")
inbox = inbox_table(Base.metadata)
directory = directory_table(Base.metadata)
