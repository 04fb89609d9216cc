"""enrolment: sign-ups, lottery and group-class columns on offerings

Revision ID: 0005
Revises: 0004
Created: 2026-11-28 18:01:14.476786
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('offering_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('draw_rank', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('consent_method', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("source IN ('self', 'family', 'assisted')", name=op.f('ck_enrolments_source')),
    sa.CheckConstraint("status IN ('received', 'intent', 'confirmed', 'waitlisted', 'cancelled', 'completed')", name=op.f('ck_enrolments_status')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_enrolments_entered_by_id_users')),
    sa.ForeignKeyConstraint(['offering_id'], ['offerings.id'], name=op.f('fk_enrolments_offering_id_offerings')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_enrolments_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('code', name=op.f('uq_enrolments_code')),
    sa.UniqueConstraint('ref', name=op.f('uq_enrolments_ref')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_enrolments_submission_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_enrolments_offering_status', ['offering_id', 'status', 'draw_rank', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index('uq_enrolments_live_resident_offering', ['resident_id', 'offering_id'], unique=True, sqlite_where=sa.text("status NOT IN ('cancelled', 'completed')"), postgresql_where=sa.text("status NOT IN ('cancelled', 'completed')"))

    with op.batch_alter_table('offerings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allocation', sa.String(length=12), server_default='first_come', nullable=False))
        batch_op.add_column(sa.Column('lottery_closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('draw_seed', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('draw_entries', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('min_to_open', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('institution_notified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_offerings_allocation'), "allocation IN ('first_come', 'lottery')")
        batch_op.create_check_constraint(op.f('ck_offerings_min_to_open'), "min_to_open IS NULL OR min_to_open > 0")



def downgrade():
    with op.batch_alter_table('offerings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offerings_min_to_open'), type_='check')
        batch_op.drop_constraint(op.f('ck_offerings_allocation'), type_='check')
        batch_op.drop_column('institution_notified_at')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('min_to_open')
        batch_op.drop_column('draw_entries')
        batch_op.drop_column('drawn_at')
        batch_op.drop_column('draw_seed')
        batch_op.drop_column('lottery_closes_at')
        batch_op.drop_column('allocation')

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('uq_enrolments_live_resident_offering', sqlite_where=sa.text("status NOT IN ('cancelled', 'completed')"), postgresql_where=sa.text("status NOT IN ('cancelled', 'completed')"))
        batch_op.drop_index(batch_op.f('ix_enrolments_resident_id'))
        batch_op.drop_index('ix_enrolments_offering_status')

    op.drop_table('enrolments')
