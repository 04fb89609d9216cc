"""order choice: residents ask for pieces of a 共富工坊 order (work_requests); a portion remembers the
form that gave it out, so a replay shows the first result

Revision ID: 0019_order_choice
Revises: 0018_groups
Created: 2026-12-01 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_order_choice"
down_revision = "0018_groups"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("work_portions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint("uq_work_portions_submission_id", ["submission_id"])
    op.create_table(
        "work_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("portion_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('asked', 'confirmed', 'declined')", name=op.f("ck_work_requests_status")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_requests_quantity")),
        sa.ForeignKeyConstraint(["order_id"], ["work_orders.id"], name=op.f("fk_work_requests_order_id_work_orders")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_work_requests_resident_id_residents")),
        sa.ForeignKeyConstraint(
            ["portion_id"], ["work_portions.id"], name=op.f("fk_work_requests_portion_id_work_portions")
        ),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], name=op.f("fk_work_requests_answered_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_requests")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_work_requests_submission_id")),
        sa.UniqueConstraint("order_id", "resident_id", name="uq_work_requests_order_resident"),
    )
    op.create_index(op.f("ix_work_requests_order_id"), "work_requests", ["order_id"])
    op.create_index(op.f("ix_work_requests_resident_id"), "work_requests", ["resident_id"])


def downgrade():
    op.drop_table("work_requests")
    with op.batch_alter_table("work_portions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_work_portions_submission_id", type_="unique")
        batch_op.drop_column("submission_id")
