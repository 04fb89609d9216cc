"""Typed SQLAlchemy models, one module per area."""

from app.models.course import (
    CertLevel,
    DegreeLevel,
    Kind,
    Offering,
    OfferingStatus,
    Programme,
    Session,
    SessionStatus,
)
from app.models.place import Institution, InstitutionType, Town

__all__ = [
    "CertLevel",
    "DegreeLevel",
    "Institution",
    "InstitutionType",
    "Kind",
    "Offering",
    "OfferingStatus",
    "Programme",
    "Session",
    "SessionStatus",
    "Town",
]
