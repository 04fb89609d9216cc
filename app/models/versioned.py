"""Optimistic locking for the records staff edit on a form (classes, programmes, the bureau's lists).

`version` starts at 1 and goes up by one with every save from a form or an import that changed the
record (app.services.versions); an edit form carries the version it was loaded at, and a save from
a form loaded before someone else's save is shown both instead of overwriting. Not SQLAlchemy's
version_id_col: that would count every change (a sign-up moving seats_taken, a log-in), and the
second admin would be told of a "conflict" nobody made."""

from __future__ import annotations

from sqlalchemy.orm import MappedColumn, mapped_column


def version_column() -> MappedColumn[int]:
    return mapped_column(default=1, server_default="1")
