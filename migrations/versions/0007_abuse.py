"""abuse and bounds: residents' phone confirmation (SMS caps)

Revision ID: 0007_abuse
Revises: 0006
Created: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_abuse'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_confirmed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('phone_confirmed_at')
