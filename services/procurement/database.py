"""Procurement's declarative base: outbox, inbox and organisation directory on its metadata."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import DeclarativeBase

from shared.db import UtcDateTime
from shared.directory import directory_table
from shared.events.outbox import Outbox
from shared.events.tables import inbox_table, outbox_table

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
SERIAL = BigInteger().with_variant(Integer(), "sqlite")


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


outbox = Outbox(outbox_table(Base.metadata), service="procurement")
inbox = inbox_table(Base.metadata)
directory = directory_table(Base.metadata)

__all__ = ["SERIAL", "Base", "UtcDateTime", "directory", "inbox", "new_id", "outbox"]
