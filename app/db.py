"""Transactions: where a request's write begins."""

from __future__ import annotations

import os

from flask import current_app
from sqlalchemy import text

from app.extensions import db


def begin_write() -> None:
    """Start this request's transaction as a writer. SQLite: BEGIN IMMEDIATE, so two sign-ups never
    both read and then deadlock upgrading to write; PostgreSQL: a plain BEGIN (row locks do the rest).
    Must be the first database use in the transaction; a POST already began as a writer (see
    app._writers_first), so within one this changes nothing."""
    if db.session().in_transaction():
        return
    db.session.connection(execution_options={"sqlite_immediate": True})


def reads_first(view):
    """Mark a POST view that reads (parses, checks) before it writes and opens its write itself
    with begin_write() after a rollback: app._writers_first leaves it alone, so its reading never
    holds the write lock."""
    view.reads_first = True
    return view


def migration_heads() -> set[str]:
    """The revisions the code's migrations end at (read once per process)."""
    heads = current_app.extensions.get("xuehou_migration_heads")
    if heads is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", os.path.join(os.path.dirname(current_app.root_path), "migrations"))
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["xuehou_migration_heads"] = heads
    return heads


def schema_is_current() -> bool:
    """Is the database migrated to the code's heads?"""
    with db.engine.connect() as conn:
        applied = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    return applied == migration_heads()
