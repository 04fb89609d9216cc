"""Typed SQLAlchemy models, one module per area."""

from app.models.attendance import Attendance
from app.models.callback import CallbackRequest
from app.models.case import Case, CaseEvent, CaseKind, CaseState
from app.models.course import Allocation, Offering, OfferingStatus, Programme, SearchKey, Session, SessionStatus
from app.models.enrolment import Enrolment, EnrolmentSource, EnrolmentStatus
from app.models.groups import MAX_EMPLOYEES, GroupProposal, GroupStatus
from app.models.message import Message, MessageKind, MessageState
from app.models.otp import OneTimeCode
from app.models.outcome import AdminSubmission, Outcome, OutcomeKind
from app.models.pending import PendingForm
from app.models.place import Institution, InstitutionType, Town
from app.models.policy import Benefit, Mentor, Policy
from app.models.privacy import ContactMethod, DeletionRequest, DeletionState, MentorContact
from app.models.push import ClassRequest, JobPush, JobPushReason, Push, PushReason, RequestAnswer
from app.models.resident import Need, NeedSource, NeedStatus, Resident, ResidentConflict, mask_phone
from app.models.staff import AuditEntry, Role, User
from app.models.vocabulary import CertificateStep, DegreeStep, ProgrammeTerm
from app.models.work import (
    ClaimKind,
    ClaimStatus,
    ContactRequest,
    ContactStatus,
    Job,
    JobStatus,
    LearnerListing,
    LearningClaim,
    OrderStatus,
    RequestStatus,
    Shift,
    WorkOrder,
    WorkPortion,
    WorkRequest,
)
from app.vocabulary import CertLevel, DegreeLevel, Kind

__all__ = [
    "MAX_EMPLOYEES",
    "AdminSubmission",
    "Allocation",
    "Attendance",
    "AuditEntry",
    "Benefit",
    "CallbackRequest",
    "Case",
    "CaseEvent",
    "CaseKind",
    "CaseState",
    "CertLevel",
    "CertificateStep",
    "ClaimKind",
    "ClaimStatus",
    "ClassRequest",
    "ContactMethod",
    "ContactRequest",
    "ContactStatus",
    "DegreeLevel",
    "DegreeStep",
    "DeletionRequest",
    "DeletionState",
    "Enrolment",
    "EnrolmentSource",
    "EnrolmentStatus",
    "GroupProposal",
    "GroupStatus",
    "Institution",
    "InstitutionType",
    "Job",
    "JobPush",
    "JobPushReason",
    "JobStatus",
    "Kind",
    "LearnerListing",
    "LearningClaim",
    "Mentor",
    "MentorContact",
    "Message",
    "MessageKind",
    "MessageState",
    "Need",
    "NeedSource",
    "NeedStatus",
    "Offering",
    "OfferingStatus",
    "OneTimeCode",
    "OrderStatus",
    "Outcome",
    "OutcomeKind",
    "PendingForm",
    "Policy",
    "Programme",
    "ProgrammeTerm",
    "Push",
    "PushReason",
    "RequestAnswer",
    "RequestStatus",
    "Resident",
    "ResidentConflict",
    "Role",
    "SearchKey",
    "Session",
    "SessionStatus",
    "Shift",
    "Town",
    "User",
    "WorkOrder",
    "WorkPortion",
    "WorkRequest",
    "mask_phone",
]
