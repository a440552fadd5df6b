"""organisation change history is append-only

The database itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of
organisation_change rows, so no code path, script or console session can rewrite who changed
an organisation and how. PostgreSQL: one trigger function raising an exception; SQLite: two
triggers with RAISE(ABORT, ...). A later batch migration that recreates the table on SQLite
must create the triggers again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 19:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "organisation_change is append-only"

POSTGRESQL_UP = (
    f"""
    CREATE FUNCTION organisation_change_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP;
    END
    $$
    """,
    """
    CREATE TRIGGER organisation_change_no_update_or_delete
    BEFORE UPDATE OR DELETE ON organisation_change
    FOR EACH ROW EXECUTE FUNCTION organisation_change_append_only()
    """,
    """
    CREATE TRIGGER organisation_change_no_truncate
    BEFORE TRUNCATE ON organisation_change
    FOR EACH STATEMENT EXECUTE FUNCTION organisation_change_append_only()
    """,
)
POSTGRESQL_DOWN = (
    "DROP TRIGGER IF EXISTS organisation_change_no_truncate ON organisation_change",
    "DROP TRIGGER IF EXISTS organisation_change_no_update_or_delete ON organisation_change",
    "DROP FUNCTION IF EXISTS organisation_change_append_only()",
)
SQLITE_UP = tuple(
    f"""
    CREATE TRIGGER organisation_change_no_{verb.lower()}
    BEFORE {verb} ON organisation_change
    BEGIN
        SELECT RAISE(ABORT, '{MESSAGE}: {verb} refused');
    END
    """
    for verb in ("UPDATE", "DELETE")
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS organisation_change_no_delete",
    "DROP TRIGGER IF EXISTS organisation_change_no_update",
)


def _statements(up: bool) -> Sequence[str]:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        return POSTGRESQL_UP if up else POSTGRESQL_DOWN
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    raise NotImplementedError(f"no append-only triggers for {dialect}")


def upgrade() -> None:
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(up=False):
        op.execute(statement)
