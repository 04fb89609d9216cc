"""the learning vocabulary (aliases, certificate and degree ladders), town positions, certificates held

Revision ID: 0009_vocabulary
Revises: 0007_abuse
Created: 2026-12-01 10:20:00

The tables start empty: `flask --app wsgi vocabulary-load` (and demo-data) fill them from
app/vocabulary.toml, adding only what is missing, so the bureau's edits are never overwritten.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009_vocabulary'
down_revision = '0008_sheets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'programme_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('word', sa.String(length=40), nullable=False),
        sa.Column('programme', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.CheckConstraint("kind IN ('degree', 'skill', 'community')", name=op.f('ck_programme_terms_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_terms')),
        sa.UniqueConstraint('word', name=op.f('uq_programme_terms_word')),
    )
    with op.batch_alter_table('programme_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_terms_programme'), ['programme'], unique=False)
    op.create_table(
        'certificate_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occupation', sa.String(length=40), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('requires_level', sa.String(length=8), nullable=True),
        sa.Column('requires', sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "level IN ('初级', '中级', '高级', '技师', '高级技师')", name=op.f('ck_certificate_steps_level')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_steps')),
        sa.UniqueConstraint('occupation', 'level', name='uq_certificate_steps_occupation_level'),
    )
    op.create_table(
        'degree_steps',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=8), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('route', sa.String(length=20), nullable=False),
        sa.Column('requires_education', sa.String(length=12), nullable=True),
        sa.Column('attains_education', sa.String(length=12), nullable=False),
        sa.Column('requires', sa.String(length=200), nullable=False),
        sa.CheckConstraint("level IN ('中专', '专科', '本科')", name=op.f('ck_degree_steps_level')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_degree_steps')),
        sa.UniqueConstraint('level', name=op.f('uq_degree_steps_level')),
    )
    with op.batch_alter_table('towns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latitude', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('longitude', sa.Double(), nullable=True))
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_level', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_column('held_level')
    with op.batch_alter_table('towns', schema=None) as batch_op:
        batch_op.drop_column('longitude')
        batch_op.drop_column('latitude')
    op.drop_table('degree_steps')
    op.drop_table('certificate_steps')
    with op.batch_alter_table('programme_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_terms_programme'))
    op.drop_table('programme_terms')
