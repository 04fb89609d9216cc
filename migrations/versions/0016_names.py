"""names and days: English names of towns, programmes, institutions and policies; classes that meet
on several weekdays

Revision ID: 0016_names
Revises: 0015_earn
Created: 2026-12-01 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_names"
down_revision = "0015_earn"
branch_labels = None
depends_on = None

NAMED = {"towns": 80, "institutions": 160, "programmes": 160, "policies": 160}


def upgrade():
    for table, length in NAMED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("name_en", sa.String(length=length), server_default="", nullable=False))
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weekdays", sa.String(length=20), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("offerings", schema=None) as batch_op:
        batch_op.drop_column("weekdays")
    for table in reversed(list(NAMED)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("name_en")
