"""one board column per workflow status

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 07:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Two concurrent requests could each add a column for the same status before: keep the first by position.
    op.execute(
        "DELETE FROM board_columns WHERE id IN (SELECT id FROM (SELECT id, row_number() OVER "
        '(PARTITION BY board_id, workflow_status_id ORDER BY "order", id) AS n FROM board_columns) AS ranked '
        "WHERE n > 1)"
    )
    with op.batch_alter_table("board_columns") as batch:
        batch.create_unique_constraint("uq_board_columns_board_status", ["board_id", "workflow_status_id"])


def downgrade() -> None:
    with op.batch_alter_table("board_columns") as batch:
        batch.drop_constraint("uq_board_columns_board_status", type_="unique")
