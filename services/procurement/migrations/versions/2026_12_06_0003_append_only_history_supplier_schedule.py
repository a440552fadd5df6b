"""append-only history, scrubbed of bid prices; scheduled supplier status changes

1. Scrub: call-off history entries written before this revision carried the award's
   evaluation (every bid's price, scores and supplier) in their JSON Patches, and every invited
   supplier may read that history. The `/evaluation` operations are removed from them (the
   ranking itself stays on the call-off, for GET /call-offs/{id}/evaluation). This is the one
   rewrite of the history ever made, and it happens before the guard below exists; it is not
   undone by the downgrade.
2. Guard: the database itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of the
   history (`change`) and of the open-data change feed (`ocds_change`), so no code path, script
   or console session can rewrite who changed what. PostgreSQL: one trigger function raising an
   exception; SQLite: RAISE(ABORT, ...) triggers. A later SQLite batch migration that recreates
   either table must create its triggers again.
3. Suppliers: `scheduled_status`, `scheduled_reason`, `scheduled_on` hold a status change
   decided for a later day, which takes effect on that day.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:10:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARDED = ("change", "ocds_change")
FUNCTION = "procurement_history_append_only"


def _postgresql_up(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_no_update_or_delete BEFORE UPDATE OR DELETE ON \"{table}\" "
        f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON \"{table}\" "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()",
    )


def _sqlite_up(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON \"{table}\" "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
        for verb in ("UPDATE", "DELETE"))


def _guard(up: bool) -> list[str]:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        if not up:
            return [*(f"DROP TRIGGER IF EXISTS {t}_{what} ON \"{t}\"" for t in GUARDED
                      for what in ("no_truncate", "no_update_or_delete")),
                    f"DROP FUNCTION IF EXISTS {FUNCTION}()"]
        function = (f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP; "
                    "END $$")
        return [function, *(s for t in GUARDED for s in _postgresql_up(t))]
    if dialect == "sqlite":
        if not up:
            return [f"DROP TRIGGER IF EXISTS {t}_no_{verb}" for t in GUARDED
                    for verb in ("delete", "update")]
        return [s for t in GUARDED for s in _sqlite_up(t)]
    raise NotImplementedError(f"no append-only triggers for {dialect}")


def _leaks(operation: dict[str, Any]) -> bool:
    return any(operation.get(key) == "/evaluation"
               or str(operation.get(key, "")).startswith("/evaluation/")
               for key in ("path", "from"))


def _scrub_bid_prices() -> None:
    change = sa.table("change", sa.column("id", sa.BigInteger()),
                      sa.column("aggregate", sa.String()), sa.column("patch", sa.JSON()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(change.c.id, change.c.patch)
                        .where(change.c.aggregate == "call_off")).all()
    for row_id, patch in rows:
        kept = [operation for operation in patch if not _leaks(operation)]
        if len(kept) != len(patch):
            bind.execute(change.update().where(change.c.id == row_id).values(patch=kept))


def upgrade() -> None:
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('scheduled_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('scheduled_on', sa.Date(), nullable=True))
    _scrub_bid_prices()
    for statement in _guard(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _guard(up=False):
        op.execute(statement)
    with op.batch_alter_table('supplier', schema=None) as batch_op:
        batch_op.drop_column('scheduled_on')
        batch_op.drop_column('scheduled_reason')
        batch_op.drop_column('scheduled_status')
