"""speed: the catalogue's open classes in their order (start, then id), so a page is read, not sorted

Revision ID: 0021_speed
Revises: 0020_job_push
Created: 2026-12-01 16:40:00
"""

from alembic import op

revision = "0021_speed"
down_revision = "0020_job_push"
branch_labels = None
depends_on = None

COLUMNS = ["status", "start_date", "weekday", "start_time", "id", "signup_deadline", "end_date"]


def upgrade():
    op.create_index("ix_offerings_listing", "offerings", COLUMNS)


def downgrade():
    op.drop_index("ix_offerings_listing", table_name="offerings")
