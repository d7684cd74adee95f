"""ai issue vectors

The ai plugin's semantic index: one row per indexed issue (content hash, embedding, backend, and the vector itself
for the embedded backend). On PostgreSQL the table announces its writes like every other (see 0005).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 07:41:03.270165
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ai_issue_vectors",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("issue_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("project_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organization_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("checksum", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("embedding", sa.String(length=120), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issues.id"], name=op.f("fk_ai_issue_vectors_issue_id_issues"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_ai_issue_vectors_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_ai_issue_vectors_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_issue_vectors")),
        sa.UniqueConstraint("issue_id", name=op.f("uq_ai_issue_vectors_issue_id")),
    )
    op.create_index(op.f("ix_ai_issue_vectors_organization_id"), "ai_issue_vectors", ["organization_id"], unique=False)
    op.create_index(
        "ix_ai_issue_vectors_project_coverage",
        "ai_issue_vectors",
        ["project_id", "backend", "embedding", "checksum"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'CREATE TRIGGER scrum_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "ai_issue_vectors" '
            "FOR EACH STATEMENT EXECUTE FUNCTION scrum_notify_change()"
        )


def downgrade() -> None:
    # Dropping the table drops its trigger too.
    op.drop_index("ix_ai_issue_vectors_project_coverage", table_name="ai_issue_vectors")
    op.drop_index(op.f("ix_ai_issue_vectors_organization_id"), table_name="ai_issue_vectors")
    op.drop_table("ai_issue_vectors")
