"""admin: outcomes (completions and incentives), idempotent admin submissions, dashboard indexes

Revision ID: 0006
Revises: 0005
Created: 2026-11-28 18:36:55.612521
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('admin_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=30), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_submissions')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_admin_submissions_submission_id'))
    )
    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('incentive_amount', sa.Integer(), nullable=False),
    sa.Column('policy_codes', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('degree', 'certificate', 'completion')", name=op.f('ck_outcomes_kind')),
    sa.CheckConstraint('incentive_amount >= 0', name=op.f('ck_outcomes_incentive_amount')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_outcomes_enrolment_id_enrolments')),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_outcomes_institution_id_institutions')),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_outcomes_paid_by_id_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_outcomes_programme_id_programmes')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_outcomes_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_outcomes_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcomes')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_outcomes_enrolment_id')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_outcomes_submission_id'))
    )
    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.create_index('ix_outcomes_completed_on_paid', ['completed_on', 'paid_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outcomes_resident_id'), ['resident_id'], unique=False)

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_enrolments_status_created', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index('ix_needs_kind_town_status', ['kind', 'town_id', 'status', 'target'], unique=False)

    with op.batch_alter_table('offerings', schema=None) as batch_op:
        batch_op.create_index('ix_offerings_kind_town_status', ['kind', 'town_id', 'status', 'end_date'], unique=False)



def downgrade():
    with op.batch_alter_table('offerings', schema=None) as batch_op:
        batch_op.drop_index('ix_offerings_kind_town_status')

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_kind_town_status')

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrolments_status_created')

    with op.batch_alter_table('outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outcomes_resident_id'))
        batch_op.drop_index(batch_op.f('ix_outcomes_programme_id'))
        batch_op.drop_index(batch_op.f('ix_outcomes_institution_id'))
        batch_op.drop_index('ix_outcomes_completed_on_paid')

    op.drop_table('outcomes')
    op.drop_table('admin_submissions')
