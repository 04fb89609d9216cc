"""Where learning happens: towns (镇/街道) and institutions."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.checks import one_of
from app.models.versioned import version_column

if TYPE_CHECKING:
    from app.models.course import Offering, Programme


class Town(db.Model):
    __tablename__ = "towns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # The English (or pinyin) name the English pages show; "": they show `name`.
    name_en: Mapped[str] = mapped_column(String(80), default="", server_default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    # The town centre, for "near home" (approximate public coordinates, WGS 84); None: unknown.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    version: Mapped[int] = version_column()

    institutions: Mapped[list[Institution]] = relationship(back_populates="town")

    def __repr__(self) -> str:
        return f"<Town {self.name}>"


class InstitutionType(StrEnum):
    OPEN_UNIVERSITY = "open_university"
    VOCATIONAL_SCHOOL = "vocational_school"
    ADULT_SCHOOL = "adult_school"
    COMMUNITY_SCHOOL = "community_school"
    SENIOR_UNIVERSITY = "senior_university"
    ENTERPRISE = "enterprise"
    TRAINING_BODY = "training_body"


class Institution(db.Model):
    __tablename__ = "institutions"
    __table_args__ = (one_of("type", InstitutionType),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(160), default="", server_default="")  # see Town.name_en
    type: Mapped[str] = mapped_column(String(24))
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    version: Mapped[int] = version_column()

    town: Mapped[Town] = relationship(back_populates="institutions")
    programmes: Mapped[list[Programme]] = relationship(back_populates="institution")
    offerings: Mapped[list[Offering]] = relationship(back_populates="institution")

    def __repr__(self) -> str:
        return f"<Institution {self.name}>"
