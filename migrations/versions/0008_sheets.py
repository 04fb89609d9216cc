"""sheets: attendance from the sign-in sheet, an attendance rule per class, unique certificate
numbers, and the indexes of the 驾驶舱 at county scale

Revision ID: 0008_sheets
Revises: 0007_abuse
Created: 2026-12-01 10:14:30.810915
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_sheets'
down_revision = '0007_abuse'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_attendance_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendance_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_attendance_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('enrolment_id', 'session_id', name='uq_attendance_enrolment_session')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_enrolment_id'), ['enrolment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('offerings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_attendance', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_offerings_min_attendance'), 'min_attendance IS NULL OR min_attendance BETWEEN 1 AND 100'
        )

    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_no', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outcomes_certificate_no'), ['certificate_no'])
        batch_op.create_index('ix_outcomes_resident_paid', ['resident_id', 'paid_at'], unique=False)

    # The 驾驶舱 at county scale: demand and gaps read from one covering index, the funnel by resident.
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_kind_town_status')
        batch_op.create_index(
            'ix_needs_kind_town_status', ['kind', 'town_id', 'status', 'target', 'unmet', 'resident_id'], unique=False
        )
        batch_op.create_index('ix_needs_resident_unmet', ['resident_id', 'unmet'], unique=False)

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_enrolments_resident_status', ['resident_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolments_resident_status')

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_resident_unmet')
        batch_op.drop_index('ix_needs_kind_town_status')
        batch_op.create_index('ix_needs_kind_town_status', ['kind', 'town_id', 'status', 'target'], unique=False)

    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index('ix_outcomes_resident_paid')
        batch_op.drop_constraint(batch_op.f('uq_outcomes_certificate_no'), type_='unique')
        batch_op.drop_column('certificate_no')

    with op.batch_alter_table('offerings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_offerings_min_attendance'), type_='check')
        batch_op.drop_column('min_attendance')

    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_enrolment_id'))

    op.drop_table('attendance')
