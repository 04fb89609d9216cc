"""Transactions: where a request's write begins."""

from __future__ import annotations

from app.extensions import db


def begin_write() -> None:
    """Start this request's transaction as a writer. SQLite: BEGIN IMMEDIATE, so two sign-ups never
    both read and then deadlock upgrading to write; PostgreSQL: a plain BEGIN (row locks do the rest).
    Must be the first database use in the transaction; a POST already began as a writer (see
    app._writers_first), so within one this changes nothing."""
    if db.session().in_transaction():
        return
    db.session.connection(execution_options={"sqlite_immediate": True})
