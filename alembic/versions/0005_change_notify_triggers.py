"""change notification triggers (PostgreSQL)

Every table gets a statement-level trigger that calls ``pg_notify('scrum_changes', <table>)``, so each API process
learns of any committed write, by anyone, and read caches stay exact (see ``core.db.changes``). SQLite needs
nothing: ``PRAGMA data_version`` tells the same.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_FUNCTION = (
    "CREATE OR REPLACE FUNCTION scrum_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN PERFORM pg_notify('scrum_changes', TG_TABLE_NAME); RETURN NULL; END $$"
)


def _tables() -> list[str]:
    names = sa.inspect(op.get_bind()).get_table_names()
    return sorted(name for name in names if name != "alembic_version")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table in _tables():
        op.execute(
            f'CREATE TRIGGER scrum_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION scrum_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        op.execute(f'DROP TRIGGER IF EXISTS scrum_notify_change ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS scrum_notify_change()")
