"""组班: an enterprise proposes a class for its employees — what, where, for how many, on which days —
which the 驾驶舱 counts as demand until a class that fits opens; the bureau can turn it into a class
request (app.models.push.ClassRequest) to an institution, and the class opened for that request is
the proposal's class."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.checks import one_of
from app.models.place import Institution, Town
from app.models.push import ClassRequest
from app.vocabulary import CertLevel, Kind

MAX_EMPLOYEES = 500


class GroupStatus(StrEnum):
    ACTIVE = "active"  # counted as demand until a class that fits opens
    WITHDRAWN = "withdrawn"  # the enterprise took it back: no longer counted


class GroupProposal(db.Model):
    """An enterprise's group class (企业组班) for so many of its employees in one town."""

    __tablename__ = "group_proposals"
    __table_args__ = (
        one_of("status", GroupStatus),
        one_of("kind", Kind),
        CheckConstraint(f"people >= 1 AND people <= {MAX_EMPLOYEES}", name="people"),
        CheckConstraint(
            f"cert_level IS NULL OR cert_level IN ({', '.join(repr(v.value) for v in CertLevel)})", name="cert_level"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)  # the enterprise
    kind: Mapped[str] = mapped_column(String(12))
    programme: Mapped[str] = mapped_column(String(60))  # the vocabulary's programme (电工, 专科, 书法)
    cert_level: Mapped[str | None] = mapped_column(String(8))  # a CertLevel for a certificate class
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)  # where the employees are
    people: Mapped[int]
    weekdays: Mapped[str] = mapped_column(String(20), default="")  # "6,7": ISO weekdays that suit
    times: Mapped[str] = mapped_column(String(40), default="")  # "morning,evening"
    note: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(40))
    contact_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=GroupStatus.ACTIVE, index=True)
    class_request_id: Mapped[int | None] = mapped_column(ForeignKey("class_requests.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    institution: Mapped[Institution] = relationship()
    town: Mapped[Town] = relationship()
    class_request: Mapped[ClassRequest | None] = relationship()

    @property
    def wanted(self) -> str:
        """电工（中级）: the programme and, for a certificate, its level."""
        return f"{self.programme}（{self.cert_level}）" if self.cert_level else self.programme

    @property
    def weekday_list(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d]

    @property
    def time_list(self) -> list[str]:
        return [t for t in self.times.split(",") if t]
