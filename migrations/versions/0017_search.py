"""search: each distinct search key once (filled by a trigger on offerings), indexes for search and the 长辈版

Revision ID: 0017_search
Revises: 0016_names
Created: 2026-12-01 12:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_search"
down_revision = "0016_names"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER search_keys_on_insert AFTER INSERT ON offerings
    BEGIN INSERT OR IGNORE INTO search_keys (key) VALUES (NEW.search_key); END""",
    """CREATE TRIGGER search_keys_on_update AFTER UPDATE OF search_key ON offerings
    BEGIN INSERT OR IGNORE INTO search_keys (key) VALUES (NEW.search_key); END""",
]
POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION offerings_search_key() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_keys (key) VALUES (NEW.search_key) ON CONFLICT (key) DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_keys_on_write AFTER INSERT OR UPDATE OF search_key ON offerings
    FOR EACH ROW EXECUTE FUNCTION offerings_search_key()""",
]


def upgrade():
    op.create_table(
        "search_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_keys")),
        sa.UniqueConstraint("key", name=op.f("uq_search_keys_key")),
    )
    op.execute("INSERT INTO search_keys (key) SELECT DISTINCT search_key FROM offerings")
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)
    op.create_index("ix_offerings_search_key", "offerings", ["search_key"])
    op.create_index("ix_sessions_date", "sessions", ["date", "start_time"])


def downgrade():
    op.drop_index("ix_sessions_date", table_name="sessions")
    op.drop_index("ix_offerings_search_key", table_name="offerings")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER search_keys_on_write ON offerings")
        op.execute("DROP FUNCTION offerings_search_key()")
    else:
        op.execute("DROP TRIGGER search_keys_on_update")
        op.execute("DROP TRIGGER search_keys_on_insert")
    op.drop_table("search_keys")
