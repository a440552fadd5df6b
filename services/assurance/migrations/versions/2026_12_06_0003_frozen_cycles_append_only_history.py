"""frozen cycles, append-only history

Each cycle keeps the SHA-256 of the framework and autonomy-rules files it opened with
(services/assurance/cycle/reference.py refuses to score against a changed file). Cycles opened
before this revision get the digests of the versions published when it was written: the
same values tests/assurance/rules/test_reference_files.py pins.

`assessment_history` becomes append-only in the database itself: triggers refuse UPDATE and
DELETE (and TRUNCATE on PostgreSQL). A later SQLite batch migration that recreates this table
drops its triggers with it and must create them again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FRAMEWORKS = {
    "wcc-2008-09": "2b7b12596c6ac1c4d2e78ef180aaf72dbbf0c082aaed488a84baf985d85a058d",
    "wcc-2009-10": "6e8a80482a8ab038636201aaaadb8c014aee29eae824e0b188adfd4c34cef541",
}
AUTONOMY_RULES = {
    "autonomy-rules-2008-09": "bc10d79a9a6b960d598e7b64abec69f38efb8b09f615c6d7fad1c28fe097fc4b",
    "autonomy-rules-2009-10": "a5ea54fbad11f67db1892068e63ce452db52ad29d5d0b1986a75003a85d2c0d9",
}
GUARD = "assessment_history_append_only"
SQLITE_TRIGGERS = {"UPDATE": f"{GUARD}_update", "DELETE": f"{GUARD}_delete"}


def upgrade() -> None:
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('framework_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('autonomy_rules_sha256', sa.String(length=64),
                                      nullable=True))
    _backfill_digests()
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.alter_column('framework_sha256', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.alter_column('autonomy_rules_sha256', existing_type=sa.String(length=64),
                              nullable=False)
    _create_history_guard()


def downgrade() -> None:
    _drop_history_guard()
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_column('autonomy_rules_sha256')
        batch_op.drop_column('framework_sha256')


def _backfill_digests() -> None:
    cycle = sa.table('cycle', sa.column('year', sa.String), sa.column('framework_version'),
                     sa.column('autonomy_rules_version'), sa.column('framework_sha256'),
                     sa.column('autonomy_rules_sha256'))
    for version, digest in FRAMEWORKS.items():
        op.execute(cycle.update().where(cycle.c.framework_version == version)
                   .values(framework_sha256=digest))
    for version, digest in AUTONOMY_RULES.items():
        op.execute(cycle.update().where(cycle.c.autonomy_rules_version == version)
                   .values(autonomy_rules_sha256=digest))
    unknown = op.get_bind().execute(sa.select(cycle.c.year).where(
        cycle.c.framework_sha256.is_(None) | cycle.c.autonomy_rules_sha256.is_(None))).all()
    if unknown:
        raise RuntimeError(
            f"cycles {[row.year for row in unknown]} use reference versions this migration "
            "does not know; set cycle.framework_sha256 / autonomy_rules_sha256 by hand")


def _create_history_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'assessment_history is append-only: % refused', TG_OP;
            END
            $$""")
        op.execute(f"CREATE TRIGGER {GUARD} BEFORE UPDATE OR DELETE ON assessment_history "
                   f"FOR EACH ROW EXECUTE FUNCTION {GUARD}()")
        op.execute(f"CREATE TRIGGER {GUARD}_truncate BEFORE TRUNCATE ON assessment_history "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {GUARD}()")
        return
    for operation, name in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON assessment_history BEGIN "
                   f"SELECT RAISE(ABORT, 'assessment_history is append-only: {operation} "
                   "refused'); END")


def _drop_history_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {GUARD}_truncate ON assessment_history")
        op.execute(f"DROP TRIGGER {GUARD} ON assessment_history")
        op.execute(f"DROP FUNCTION {GUARD}()")
        return
    for name in SQLITE_TRIGGERS.values():
        op.execute(f"DROP TRIGGER {name}")
