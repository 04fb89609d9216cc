"""job push: jobs told to the residents who hold what they want; the job texts' own stop

Revision ID: 0020_job_push
Revises: 0019_order_choice
Created: 2026-12-01 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_job_push"
down_revision = "0019_order_choice"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_push_stopped_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "job_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("texted", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reason IN ('posted', 'reopened', 'more')", name=op.f("ck_job_pushes_reason")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref", name=op.f("uq_job_pushes_ref")),
        sa.UniqueConstraint("resident_id", "job_id", name="uq_job_pushes_resident_job"),
    )
    op.create_index("ix_job_pushes_resident_texted", "job_pushes", ["resident_id", "texted", "created_at"])
    op.create_index(op.f("ix_job_pushes_job_id"), "job_pushes", ["job_id"])


def downgrade():
    op.drop_index(op.f("ix_job_pushes_job_id"), table_name="job_pushes")
    op.drop_index("ix_job_pushes_resident_texted", table_name="job_pushes")
    op.drop_table("job_pushes")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("job_push_stopped_at")
