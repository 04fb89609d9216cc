"""Incentive rules as data, and the mentors who guide residents one to one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.checks import one_of
from app.models.place import Institution
from app.vocabulary import Kind

if TYPE_CHECKING:
    from app.models.resident import Need


class Policy(db.Model):
    """One incentive rule: who gets how much for finishing what.

    `basis` is either `tuition_percent` (value = percent of the programme's tuition, up to `cap`)
    or `fixed` (value = yuan). A rule applies to programmes of its `kind` whose level
    (degree_level or cert_level) equals `level` (any level when empty), and to residents whose
    residence type equals `residence` (anyone when empty). `payee` says who receives it.
    """

    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint("basis IN ('tuition_percent', 'fixed')", name="basis"),
        one_of("kind", Kind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(12))
    level: Mapped[str | None] = mapped_column(String(8))
    certificate: Mapped[str | None] = mapped_column(String(60))  # only this certificate, when set
    residence: Mapped[str | None] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(16))
    value: Mapped[int]
    cap: Mapped[int | None]
    payee: Mapped[str] = mapped_column(String(12), default="learner")  # learner / enterprise
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class Mentor(db.Model):
    """A teacher who guides residents one to one; `kinds` lists what they guide, e.g. "degree,skill"."""

    __tablename__ = "mentors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    kinds: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)

    institution: Mapped[Institution] = relationship()
    needs: Mapped[list[Need]] = relationship(back_populates="mentor")
