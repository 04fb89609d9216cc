"""messages: every text a record written with its cause, delivered by the worker process

Revision ID: 0011_messages
Revises: 0010_policy_conditions
Created: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_messages"
down_revision = "0010_policy_conditions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("gateway_ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_messages_due", "messages", ["state", "priority", "next_attempt_at"])
    op.create_index(op.f("ix_messages_phone"), "messages", ["phone"])
    op.create_index(op.f("ix_messages_resident_id"), "messages", ["resident_id"])
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
    op.drop_index(op.f("ix_messages_resident_id"), table_name="messages")
    op.drop_index(op.f("ix_messages_phone"), table_name="messages")
    op.drop_index("ix_messages_due", table_name="messages")
    op.drop_table("messages")
