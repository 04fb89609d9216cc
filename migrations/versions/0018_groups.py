"""groups: enterprises' group-class proposals (企业组班), counted as demand and turned into class requests

Revision ID: 0018_groups
Revises: 0017_search
Created: 2026-12-01 16:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_groups"
down_revision = "0017_search"
branch_labels = None
depends_on = None

LEVELS = "'初级', '中级', '高级', '技师', '高级技师'"


def upgrade():
    op.create_table(
        "group_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("programme", sa.String(length=60), nullable=False),
        sa.Column("cert_level", sa.String(length=8), nullable=True),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("times", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=40), nullable=False),
        sa.Column("contact_phone", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("class_request_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('active', 'withdrawn')", name=op.f("ck_group_proposals_status")),
        sa.CheckConstraint("kind IN ('degree', 'skill', 'community')", name=op.f("ck_group_proposals_kind")),
        sa.CheckConstraint("people >= 1 AND people <= 500", name=op.f("ck_group_proposals_people")),
        sa.CheckConstraint(
            f"cert_level IS NULL OR cert_level IN ({LEVELS})", name=op.f("ck_group_proposals_cert_level")
        ),
        sa.ForeignKeyConstraint(
            ["class_request_id"], ["class_requests.id"], name=op.f("fk_group_proposals_class_request_id_class_requests")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_group_proposals_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_group_proposals_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"], name=op.f("fk_group_proposals_town_id_towns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_proposals")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_group_proposals_submission_id")),
    )
    op.create_index(op.f("ix_group_proposals_institution_id"), "group_proposals", ["institution_id"])
    op.create_index(op.f("ix_group_proposals_town_id"), "group_proposals", ["town_id"])
    op.create_index(op.f("ix_group_proposals_status"), "group_proposals", ["status"])
    op.create_index(op.f("ix_group_proposals_class_request_id"), "group_proposals", ["class_request_id"])


def downgrade():
    op.drop_table("group_proposals")
