"""Typed SQLAlchemy models, one module per area."""

from app.models.attendance import Attendance
from app.models.callback import CallbackRequest
from app.models.course import Allocation, Offering, OfferingStatus, Programme, SearchKey, Session, SessionStatus
from app.models.enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from app.models.message import Message, MessageKind, MessageState
from app.models.otp import OneTimeCode
from app.models.outcome import AdminSubmission, Outcome, OutcomeKind
from app.models.place import Institution, InstitutionType, Town
from app.models.policy import Benefit, Mentor, Policy
from app.models.resident import Need, NeedSource, NeedStatus, Resident, ResidentConflict, mask_phone
from app.models.staff import AuditEntry, Role, User
from app.models.vocabulary import CertificateStep, DegreeStep, ProgrammeTerm
from app.vocabulary import CertLevel, DegreeLevel, Kind

__all__ = [
    "AdminSubmission",
    "Allocation",
    "Attendance",
    "AuditEntry",
    "Benefit",
    "CallbackRequest",
    "CertLevel",
    "CertificateStep",
    "DegreeLevel",
    "DegreeStep",
    "Enrolment",
    "EnrolmentSource",
    "EnrolmentStatus",
    "Institution",
    "InstitutionType",
    "Kind",
    "Mentor",
    "Message",
    "MessageKind",
    "MessageState",
    "Need",
    "NeedSource",
    "NeedStatus",
    "Offering",
    "OfferingStatus",
    "OneTimeCode",
    "Outcome",
    "OutcomeKind",
    "Policy",
    "Programme",
    "ProgrammeTerm",
    "Resident",
    "ResidentConflict",
    "Role",
    "SearchKey",
    "Session",
    "SessionStatus",
    "Town",
    "User",
    "mask_phone",
]
