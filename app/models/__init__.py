"""Typed SQLAlchemy models, one module per area."""

from app.models.callback import CallbackRequest
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
from app.models.otp import OneTimeCode
from app.models.place import Institution, InstitutionType, Town
from app.models.policy import Mentor, Policy
from app.models.resident import Need, NeedStatus, Resident, ResidentConflict, mask_phone
from app.models.staff import AuditEntry, Role, User

__all__ = [
    "AuditEntry",
    "CallbackRequest",
    "CertLevel",
    "DegreeLevel",
    "Institution",
    "InstitutionType",
    "Kind",
    "Mentor",
    "Need",
    "NeedStatus",
    "Offering",
    "OfferingStatus",
    "OneTimeCode",
    "Policy",
    "Programme",
    "Resident",
    "ResidentConflict",
    "Role",
    "Session",
    "SessionStatus",
    "Town",
    "User",
    "mask_phone",
]
