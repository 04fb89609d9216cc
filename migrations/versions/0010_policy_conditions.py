"""policy conditions: what kind of benefit a policy is and what it needs of the person

Revision ID: 0010_policy_conditions
Revises: 0007_abuse
Created: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_policy_conditions'
down_revision = '0009_vocabulary'
branch_labels = None
depends_on = None

# The demo county's rules (app/demo_county.toml) that were loaded before their conditions were
# columns: the conditions their descriptions state. Other rows keep the defaults (cash, no condition).
DEMO = [
    ("benefit = 'enterprise'", "payee = 'enterprise'"),
    ("benefit = 'waiver'", "code = 'JN-KW'"),
    ("needs_certificate = true", "code IN ('XL-ZZ', 'XL-ZZ-JL')"),
    ("min_insurance_months = 12", "code = 'XL-ZK-LD'"),
    ("once_per_level = true, claim_months = 12", "code IN ('JN-5', 'JN-4', 'JN-3', 'JN-2', 'JN-1', 'JN-TZ')"),
]


def upgrade():
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('benefit', sa.String(length=12), server_default='cash', nullable=False))
        batch_op.add_column(sa.Column('min_insurance_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('needs_certificate', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('once_per_level', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('claim_months', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_policies_benefit'), "benefit IN ('cash', 'waiver', 'enterprise')")
        batch_op.create_check_constraint(
            op.f('ck_policies_insurance'), 'min_insurance_months IS NULL OR min_insurance_months BETWEEN 1 AND 600'
        )
        batch_op.create_check_constraint(op.f('ck_policies_claim_months'), 'claim_months IS NULL OR claim_months BETWEEN 1 AND 120')
    for assignment, where in DEMO:
        op.execute(f"UPDATE policies SET {assignment} WHERE {where}")


def downgrade():
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_policies_claim_months'), type_='check')
        batch_op.drop_constraint(op.f('ck_policies_insurance'), type_='check')
        batch_op.drop_constraint(op.f('ck_policies_benefit'), type_='check')
        batch_op.drop_column('claim_months')
        batch_op.drop_column('once_per_level')
        batch_op.drop_column('needs_certificate')
        batch_op.drop_column('min_insurance_months')
        batch_op.drop_column('benefit')
