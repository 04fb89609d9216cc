"""versions: optimistic locking on what staff edit on forms; forms kept across a log-in

Revision ID: 0012_versions
Revises: 0011_messages
Created: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_versions"
down_revision = "0011_messages"
branch_labels = None
depends_on = None

# Every table whose records staff edit on a form (app.models.versioned).
VERSIONED = (
    "towns",
    "institutions",
    "programmes",
    "offerings",
    "policies",
    "mentors",
    "users",
    "programme_terms",
    "certificate_steps",
    "degree_steps",
)


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.create_table(
        "pending_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token", name=op.f("uq_pending_forms_token")),
    )
    op.create_index(op.f("ix_pending_forms_created_at"), "pending_forms", ["created_at"])
    op.create_index(op.f("ix_pending_forms_user_id"), "pending_forms", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_pending_forms_user_id"), table_name="pending_forms")
    op.drop_index(op.f("ix_pending_forms_created_at"), table_name="pending_forms")
    op.drop_table("pending_forms")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
