"""Staff accounts (community workers, institution staff, bureau admins) and the audit trail."""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.place import Institution, Town
from app.models.versioned import version_column


class Role(StrEnum):
    WORKER = "worker"  # 社区工作者: enters needs and sign-ups for residents of their town
    INSTITUTION = "institution"  # 院校/机构 staff: their own institution's classes and rosters
    ADMIN = "admin"  # 教育局: everything, the dashboard, incentives
    MENTOR = "mentor"  # 导师: their own residents (/mentor/) and the one-to-one contacts they record
    ENTERPRISE = "enterprise"  # 企业: their own enterprise's jobs and 共富工坊 work orders


def new_stamp() -> str:
    return secrets.token_hex(8)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(40), default="")
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of the log-in's id in the session cookie: a new password gives a new stamp, which ends
    # every session logged in with the old one.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_stamp, server_default="")
    version: Mapped[int] = version_column()

    institution: Mapped[Institution | None] = relationship()
    town: Mapped[Town | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_stamp = new_stamp()

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds, checked on every request
        return f"{self.id}:{self.session_stamp}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot log in
        return self.active


class AuditEntry(db.Model):
    """Who did what, for whom, when: one row per assisted or administrative change."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))  # e.g. need.assisted, enrolment.assisted, offering.update
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int | None]
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # before/after, consent, …
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()
