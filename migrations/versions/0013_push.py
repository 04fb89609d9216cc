"""push: new classes told to the needs they fit; the bureau's requests to open a class

Revision ID: 0013_push
Revises: 0012_versions
Created: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_push"
down_revision = "0012_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("push_stopped_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("offering_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("texted", sa.Boolean(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reason IN ('published', 'reopened', 'freed')", name=op.f("ck_pushes_reason")),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"]),
        sa.ForeignKeyConstraint(["offering_id"], ["offerings.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "offering_id", name="uq_pushes_need_offering"),
    )
    op.create_index("ix_pushes_resident_texted", "pushes", ["resident_id", "texted", "created_at"])
    op.create_index(op.f("ix_pushes_need_id"), "pushes", ["need_id"])
    op.create_index(op.f("ix_pushes_offering_id"), "pushes", ["offering_id"])
    op.create_table(
        "class_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("programme", sa.String(length=60), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.Column("answer_reason", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offering_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('degree', 'skill', 'community')", name=op.f("ck_class_requests_kind")),
        sa.CheckConstraint(
            "answer IN ('pending', 'will_open', 'cannot')", name=op.f("ck_class_requests_answer")
        ),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"]),
        sa.ForeignKeyConstraint(["offering_id"], ["offerings.id"]),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id"),
    )
    op.create_index(op.f("ix_class_requests_institution_id"), "class_requests", ["institution_id"])


def downgrade():
    op.drop_index(op.f("ix_class_requests_institution_id"), table_name="class_requests")
    op.drop_table("class_requests")
    op.drop_index(op.f("ix_pushes_offering_id"), table_name="pushes")
    op.drop_index(op.f("ix_pushes_need_id"), table_name="pushes")
    op.drop_index("ix_pushes_resident_texted", table_name="pushes")
    op.drop_table("pushes")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("push_stopped_at")
