"""earn: learning claims, learner listings, jobs, contact requests, 共富工坊 work orders; the enterprise role

Revision ID: 0015_earn
Revises: 0014_cases
Created: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_earn"
down_revision = "0014_cases"
branch_labels = None
depends_on = None

LEVELS = "'初级', '中级', '高级', '技师', '高级技师'"


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), "role IN ('worker', 'institution', 'admin', 'mentor', 'enterprise')")

    op.create_table(
        "learning_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=True),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("certificate_no", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_by_id", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('degree', 'certificate', 'completion')", name=op.f("ck_learning_claims_kind")),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'rejected')", name=op.f("ck_learning_claims_status")),
        sa.ForeignKeyConstraint(["checked_by_id"], ["users.id"], name=op.f("fk_learning_claims_checked_by_id_users")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_learning_claims_resident_id_residents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_claims")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_learning_claims_submission_id")),
    )
    op.create_index(op.f("ix_learning_claims_resident_id"), "learning_claims", ["resident_id"])
    op.create_index(op.f("ix_learning_claims_status"), "learning_claims", ["status"])

    op.create_table(
        "learner_listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_learner_listings_resident_id_residents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_listings")),
        sa.UniqueConstraint("resident_id", name=op.f("uq_learner_listings_resident_id")),
    )

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("pay_min", sa.Integer(), nullable=False),
        sa.Column("pay_max", sa.Integer(), nullable=False),
        sa.Column("shifts", sa.String(length=40), nullable=False),
        sa.Column("occupation", sa.String(length=40), nullable=False),
        sa.Column("cert_level", sa.String(length=8), nullable=True),
        sa.Column("openings", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_jobs_status")),
        sa.CheckConstraint("openings > 0", name=op.f("ck_jobs_openings")),
        sa.CheckConstraint("pay_min >= 0 AND pay_max >= pay_min", name=op.f("ck_jobs_pay")),
        sa.CheckConstraint(f"cert_level IS NULL OR cert_level IN ({LEVELS})", name=op.f("ck_jobs_cert_level")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_jobs_created_by_id_users")),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"], name=op.f("fk_jobs_institution_id_institutions")),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"], name=op.f("fk_jobs_town_id_towns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_jobs_submission_id")),
    )
    op.create_index(op.f("ix_jobs_institution_id"), "jobs", ["institution_id"])
    op.create_index(op.f("ix_jobs_town_id"), "jobs", ["town_id"])
    op.create_index("ix_jobs_status_occupation", "jobs", ["status", "occupation"])

    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hired_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'hired')", name=op.f("ck_contact_requests_status")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_contact_requests_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_contact_requests_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_contact_requests_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
        sa.UniqueConstraint("job_id", "resident_id", name="uq_contact_requests_job_resident"),
    )
    op.create_index(op.f("ix_contact_requests_job_id"), "contact_requests", ["job_id"])
    op.create_index(op.f("ix_contact_requests_resident_id"), "contact_requests", ["resident_id"])

    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("piece_rate", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("occupation", sa.String(length=40), nullable=True),
        sa.Column("cert_level", sa.String(length=8), nullable=True),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("workshop", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'taken', 'done')", name=op.f("ck_work_orders_status")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_orders_quantity")),
        sa.CheckConstraint("piece_rate > 0", name=op.f("ck_work_orders_piece_rate")),
        sa.CheckConstraint(f"cert_level IS NULL OR cert_level IN ({LEVELS})", name=op.f("ck_work_orders_cert_level")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_work_orders_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.id"], name=op.f("fk_work_orders_institution_id_institutions")
        ),
        sa.ForeignKeyConstraint(["taken_by_id"], ["users.id"], name=op.f("fk_work_orders_taken_by_id_users")),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"], name=op.f("fk_work_orders_town_id_towns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_work_orders_submission_id")),
    )
    op.create_index(op.f("ix_work_orders_institution_id"), "work_orders", ["institution_id"])
    op.create_index(op.f("ix_work_orders_town_id"), "work_orders", ["town_id"])

    op.create_table(
        "work_portions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("handed_in", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_work_portions_quantity")),
        sa.CheckConstraint("handed_in >= 0 AND handed_in <= quantity", name=op.f("ck_work_portions_handed_in")),
        sa.CheckConstraint("earned >= 0", name=op.f("ck_work_portions_earned")),
        sa.ForeignKeyConstraint(["order_id"], ["work_orders.id"], name=op.f("fk_work_portions_order_id_work_orders")),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_work_portions_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_portions")),
        sa.UniqueConstraint("order_id", "resident_id", name="uq_work_portions_order_resident"),
    )
    op.create_index(op.f("ix_work_portions_order_id"), "work_portions", ["order_id"])
    op.create_index(op.f("ix_work_portions_resident_id"), "work_portions", ["resident_id"])


def downgrade():
    for table in ("work_portions", "work_orders", "contact_requests", "jobs", "learner_listings", "learning_claims"):
        op.drop_table(table)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), "role IN ('worker', 'institution', 'admin', 'mentor')")
