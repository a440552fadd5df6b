"""The outbox and inbox tables every service's database holds (infrastructure, not domain)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

# SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
_ID = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting to be published; `id` gives the publication order."""
    table = Table(
        "outbox",
        metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
    )
    Index(
        "ix_outbox_unpublished",
        table.c.id,
        postgresql_where=table.c.published_at.is_(None),
        sqlite_where=table.c.published_at.is_(None),
    )
    return table


def inbox_table(metadata: MetaData) -> Table:
    """Ids of the events this service has applied: a second delivery is skipped."""
    return Table(
        "inbox",
        metadata,
        Column("event_id", String(64), primary_key=True),
        Column("topic", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
    )
