"""cases: a worker's caseload, mentors' log-ins and contacts, residents' consent and deletion requests

Revision ID: 0014_cases
Revises: 0013_push
Created: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_cases"
down_revision = "0013_push"
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('worker', 'institution', 'admin')"
ROLES_AFTER = "role IN ('worker', 'institution', 'admin', 'mentor')"


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), ROLES_AFTER)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("next_contact", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('need', 'callback', 'offer', 'starting')", name=op.f("ck_cases_kind")
        ),
        sa.CheckConstraint("state IN ('new', 'contacted', 'waiting', 'done')", name=op.f("ck_cases_state")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_cases_resident_id_residents")),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"], name=op.f("fk_cases_town_id_towns")),
        sa.ForeignKeyConstraint(["worker_id"], ["users.id"], name=op.f("fk_cases_worker_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("kind", "source_id", name=op.f("uq_cases_kind")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_town_id"), ["town_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_worker_id"), ["worker_id"], unique=False)

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("next_contact", sa.Date(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_case_events_actor_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_events_case_id_cases")),
        sa.ForeignKeyConstraint(["worker_id"], ["users.id"], name=op.f("fk_case_events_worker_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_case_events_submission_id")),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "deletion_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("kept", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'confirmed', 'withdrawn')", name=op.f("ck_deletion_requests_state")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_deletion_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_deletion_requests_resident_id_residents")
        ),
        sa.ForeignKeyConstraint(["town_id"], ["towns.id"], name=op.f("fk_deletion_requests_town_id_towns")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deletion_requests")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_deletion_requests_submission_id")),
    )
    with op.batch_alter_table("deletion_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deletion_requests_resident_id"), ["resident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deletion_requests_town_id"), ["town_id"], unique=False)

    op.create_table(
        "mentor_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("contact_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method IN ('phone', 'visit', 'wechat')", name=op.f("ck_mentor_contacts_method")),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentors.id"], name=op.f("fk_mentor_contacts_mentor_id_mentors")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_mentor_contacts_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_mentor_contacts_resident_id_residents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_contacts")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_mentor_contacts_submission_id")),
    )
    with op.batch_alter_table("mentor_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentor_contacts_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentor_contacts_resident_id"), ["resident_id"], unique=False)

    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subjects", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_mentors_user_id_users"), "users", ["user_id"], ["id"])
        batch_op.create_unique_constraint(batch_op.f("uq_mentors_user_id"), ["user_id"])

    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("profiling_withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_enrolments_promoted_at"), ["promoted_at"], unique=False)


def downgrade():
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_promoted_at"))
        batch_op.drop_column("promoted_at")
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("profiling_withdrawn_at")
        batch_op.drop_column("contact_withdrawn_at")
    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_mentors_user_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_mentors_user_id_users"), type_="foreignkey")
        batch_op.drop_column("user_id")
        batch_op.drop_column("subjects")
    op.drop_table("mentor_contacts")
    op.drop_table("deletion_requests")
    op.drop_table("case_events")
    op.drop_table("cases")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), ROLES_BEFORE)
