"""The learning vocabulary as data the bureau edits: the words people use for a programme, the
certificate ladder per occupation and the degree ladder (app.services.vocabulary reads them;
app/vocabulary.toml seeds them)."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.checks import one_of
from app.models.versioned import version_column
from app.vocabulary import CertLevel, DegreeLevel, Kind


class ProgrammeTerm(db.Model):
    """A word people say (电工上岗证, 毛笔字, 大专) and the programme it means (电工, 书法, 专科)."""

    __tablename__ = "programme_terms"
    __table_args__ = (one_of("kind", Kind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(40), unique=True)
    programme: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = version_column()


class CertificateStep(db.Model):
    """One level of an occupation's certificate ladder and what a learner needs to enter it.

    `occupation` "" is the ladder for every occupation without one of its own. `requires_level` is
    the certificate level of the same occupation a learner must already hold (None: none)."""

    __tablename__ = "certificate_steps"
    __table_args__ = (
        UniqueConstraint("occupation", "level", name="uq_certificate_steps_occupation_level"),
        one_of("level", CertLevel),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occupation: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[str] = mapped_column(String(8))
    requires_level: Mapped[str | None] = mapped_column(String(8))
    requires: Mapped[str] = mapped_column(String(200), default="")  # in words, as the plan says it
    version: Mapped[int] = version_column()


class DegreeStep(db.Model):
    """One level of the degree ladder: the education it needs, what it gives, its usual name."""

    __tablename__ = "degree_steps"
    __table_args__ = (one_of("level", DegreeLevel),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(8), unique=True)
    position: Mapped[int] = mapped_column(default=0)  # lowest first
    route: Mapped[str] = mapped_column(String(20), default="")  # 高起专, 专升本 …
    requires_education: Mapped[str | None] = mapped_column(String(12))  # an EDUCATION answer
    attains_education: Mapped[str] = mapped_column(String(12))  # the EDUCATION answer it gives
    requires: Mapped[str] = mapped_column(String(200), default="")  # in words
    version: Mapped[int] = version_column()
