"""Incentive rules as data, and the mentors who guide residents one to one."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.checks import one_of
from app.models.place import Institution
from app.models.versioned import version_column
from app.vocabulary import Kind

if TYPE_CHECKING:
    from app.models.resident import Need


class Benefit(StrEnum):
    """What kind of money a policy is: it decides how an estimate shows it and whether a completion owes it."""

    CASH = "cash"  # paid to the learner after completion, on application (先交学费，完成后凭证书申领)
    WAIVER = "waiver"  # a fee the learner does not pay (减免): never added to cash
    ENTERPRISE = "enterprise"  # paid to the employer that runs or pays for the class, not to the learner


class Policy(db.Model):
    """One incentive rule: who gets how much for finishing what, and on which conditions.

    `basis` is either `tuition_percent` (value = percent of the programme's tuition, up to `cap`)
    or `fixed` (value = yuan). A rule applies to programmes of its `kind` whose level
    (degree_level or cert_level) equals `level` (any level when empty), and only to this
    `certificate` when set. `benefit` says what kind of money it is (Benefit); `payee` who receives it.

    Conditions on the person (app.services.incentives checks each, and says which are unknown):
      residence             户籍 / 流动人口, anyone when empty
      min_insurance_months  months of social insurance paid in the county, at least
      needs_certificate     a degree counts only with a vocational certificate as well (双证)
      once_per_level        once per occupation (certificate) and level for one person
      claim_months          to be claimed within this many months of completing
    """

    __tablename__ = "policies"
    __table_args__ = (
        CheckConstraint("basis IN ('tuition_percent', 'fixed')", name="basis"),
        one_of("kind", Kind),
        one_of("benefit", Benefit),
        CheckConstraint("min_insurance_months IS NULL OR min_insurance_months BETWEEN 1 AND 600", name="insurance"),
        CheckConstraint("claim_months IS NULL OR claim_months BETWEEN 1 AND 120", name="claim_months"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(160), default="", server_default="")  # see Town.name_en
    kind: Mapped[str] = mapped_column(String(12))
    level: Mapped[str | None] = mapped_column(String(8))
    certificate: Mapped[str | None] = mapped_column(String(60))  # only this certificate, when set
    residence: Mapped[str | None] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(16))
    value: Mapped[int]
    cap: Mapped[int | None]
    payee: Mapped[str] = mapped_column(String(12), default="learner")  # learner / enterprise
    benefit: Mapped[str] = mapped_column(String(12), default=Benefit.CASH, server_default=Benefit.CASH.value)
    min_insurance_months: Mapped[int | None]
    needs_certificate: Mapped[bool] = mapped_column(default=False, server_default=false())
    once_per_level: Mapped[bool] = mapped_column(default=False, server_default=false())
    claim_months: Mapped[int | None]
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = version_column()


class Mentor(db.Model):
    """A teacher who guides residents one to one; `kinds` lists what they guide, e.g. "degree,skill"."""

    __tablename__ = "mentors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    kinds: Mapped[str] = mapped_column(String(40))
    # Programmes they guide, by name ("电工,育婴员"): a need for one of these comes to them first.
    subjects: Mapped[str] = mapped_column(String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The mentor's own log-in (role mentor), when they have one: it sees their residents at /mentor/.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    version: Mapped[int] = version_column()

    institution: Mapped[Institution] = relationship()
    needs: Mapped[list[Need]] = relationship(back_populates="mentor")

    @property
    def subject_list(self) -> list[str]:
        return [s.strip() for s in self.subjects.replace("，", ",").split(",") if s.strip()]
