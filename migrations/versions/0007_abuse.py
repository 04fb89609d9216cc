"""abuse and bounds: residents' phone confirmation (SMS caps), staff session stamps

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
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_stamp', sa.String(length=32), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_stamp')
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('phone_confirmed_at')
