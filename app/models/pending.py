"""A staff form posted after its log-in ended, waiting for the same person to log in again
(app.auth.keep_answers_for_after_log_in): kept on the server, so answers of any length survive; the
session cookie holds only the random token."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db


class PendingForm(db.Model):
    __tablename__ = "pending_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    fields: Mapped[list] = mapped_column(JSON)  # [[name, value], …] as posted
    files: Mapped[list] = mapped_column(JSON, default=list)  # names of the files chosen, which are not kept
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
