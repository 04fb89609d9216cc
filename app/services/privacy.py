"""Residents' rights over their data (PIPL arts. 44–47, and 24 on automated decisions).

- see and download everything held about them (`export`): one JSON file;
- correct their details (`correct`), audited;
- withdraw (or give again) consent to be contacted — texts not about their own sign-ups stop, see
  `may_contact`, which app.messages.queue asks for every non-transactional text — or to be profiled:
  their plan then shows without personalisation (`may_profile`);
- ask for deletion (`request_deletion`), which a worker of their town or the bureau confirms
  (`confirm_deletion`): their personal data is erased, except what paid incentives must keep
  (KEPT_FOR_PAID_INCENTIVES), and the request says what was kept and why.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.messages.templates import render as message_text
from app.models import (
    AuditEntry,
    CallbackRequest,
    Case,
    CaseEvent,
    DeletionRequest,
    DeletionState,
    Enrolment,
    JobPush,
    MentorContact,
    Message,
    MessageKind,
    Need,
    OneTimeCode,
    Outcome,
    Push,
    Resident,
    ResidentConflict,
    Role,
    User,
)
from app.models.enrolment import LIVE
from app.models.work import ContactRequest, LearnerListing, LearningClaim, RequestStatus, WorkPortion, WorkRequest
from app.services import ServiceError, staff

ERASED_NAME = "已删除"
# What a confirmed deletion keeps when the bureau has paid the resident an incentive: public money
# paid to a person must stay traceable to them for the audit of the subsidy (the county's finance
# rules; PIPL art. 47 lets what another law requires be kept). Nothing else is kept.
KEPT_FOR_PAID_INCENTIVES = ("name", "id_card_masked", "id_card_hash", "residence")


class PrivacyError(ServiceError):
    pass


def may_contact(resident: Resident | None) -> bool:
    """May we text this resident about anything but their own sign-ups (a class they asked for has
    opened, …)? Not after they withdrew consent to be contacted, nor once their data is erased."""
    return resident is not None and resident.contact_withdrawn_at is None and resident.erased_at is None


def may_profile(resident: Resident | None) -> bool:
    """May their plan be ranked by what we know of them (town, days, education, certificates)?"""
    return resident is not None and resident.profiling_withdrawn_at is None and resident.erased_at is None


def _who(user: User | None) -> str:
    return (user.name or user.username) if user else ""


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _text(message: Message) -> str:
    try:
        text = message_text(message.template, message.params)
    except (KeyError, ValueError, TypeError):  # a text queued with other parameters than today's template
        return message.template
    # A one-time code is never shown again (on a shared phone it could still be valid).
    return re.sub(r"\d{4,8}", "******", text) if message.kind == MessageKind.CODE else text


def export(resident: Resident) -> dict:
    """Everything held about this resident, and nothing about anyone else."""
    rid = resident.id
    needs = db.session.scalars(select(Need).where(Need.resident_id == rid).order_by(Need.id))
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.resident_id == rid).order_by(Enrolment.id))
    outcomes = db.session.scalars(select(Outcome).where(Outcome.resident_id == rid).order_by(Outcome.id))
    texts = db.session.scalars(
        select(Message)
        .where(or_(Message.resident_id == rid, Message.phone == resident.phone), Message.kind != "staff")
        .order_by(Message.id)
    )
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.resident_id == rid).order_by(AuditEntry.id))
    events = db.session.scalars(select(CaseEvent).join(Case).where(Case.resident_id == rid).order_by(CaseEvent.id))
    contacts = db.session.scalars(
        select(MentorContact).where(MentorContact.resident_id == rid).order_by(MentorContact.contact_on)
    )
    callbacks = db.session.scalars(
        select(CallbackRequest).where(CallbackRequest.phone == resident.phone).order_by(CallbackRequest.id)
    )
    deletions = db.session.scalars(select(DeletionRequest).where(DeletionRequest.resident_id == rid))
    claims = db.session.scalars(
        select(LearningClaim).where(LearningClaim.resident_id == rid).order_by(LearningClaim.id)
    )
    listed = db.session.scalar(select(LearnerListing).where(LearnerListing.resident_id == rid))
    asked = db.session.scalars(
        select(ContactRequest).where(ContactRequest.resident_id == rid).order_by(ContactRequest.id)
    )
    portions = db.session.scalars(select(WorkPortion).where(WorkPortion.resident_id == rid).order_by(WorkPortion.id))
    work_requests = db.session.scalars(
        select(WorkRequest).where(WorkRequest.resident_id == rid).order_by(WorkRequest.id)
    )
    told = db.session.scalars(select(JobPush).where(JobPush.resident_id == rid).order_by(JobPush.id))
    return {
        "exported_at": _iso(dt.datetime.now(dt.UTC)),
        "details": {
            "name": resident.name,
            "phone": resident.phone,
            "town": resident.town.name if resident.town else None,
            "age_band": resident.age_band,
            "birth_year": resident.birth_year,
            "education": resident.education,
            "work": resident.work,
            "industry": resident.industry,
            "residence": resident.residence,
            "id_card": resident.id_card_masked,
            "consent_method": resident.consent_method,
            "consent_at": _iso(resident.consent_at),
            "registered_at": _iso(resident.created_at),
            "phone_confirmed_at": _iso(resident.phone_confirmed_at),
            "contact_consent_withdrawn_at": _iso(resident.contact_withdrawn_at),
            "profiling_consent_withdrawn_at": _iso(resident.profiling_withdrawn_at),
        },
        "needs": [
            {
                "ref": n.ref,
                "kind": n.kind,
                "target": n.target,
                "major": n.major,
                "held_level": n.held_level,
                "weekdays": n.weekdays,
                "times": n.times,
                "town": n.town.name if n.town else None,
                "notes": n.notes,
                "status": n.status,
                "source": n.source,
                "entered_by": _who(n.entered_by),
                "consent_method": n.consent_method,
                "mentor": n.mentor.name if n.mentor else None,
                "created_at": _iso(n.created_at),
            }
            for n in needs
        ],
        "signups": [
            {
                "code": e.code,
                "class": e.offering.title,
                "status": e.status,
                "source": e.source,
                "entered_by": _who(e.entered_by),
                "consent_method": e.consent_method,
                "created_at": _iso(e.created_at),
                "cancelled_at": _iso(e.cancelled_at),
            }
            for e in enrolments
        ],
        "outcomes": [
            {
                "programme": o.programme.name,
                "kind": o.kind,
                "level": o.level,
                "certificate_no": o.certificate_no,
                "completed_on": _iso(o.completed_on),
                "incentive_amount": o.incentive_amount,
                "paid_at": _iso(o.paid_at),
            }
            for o in outcomes
        ],
        "messages": [
            {
                "created_at": _iso(m.created_at),
                "text": _text(m),
                "state": m.state,
                "sent_at": _iso(m.sent_at),
            }
            for m in texts
        ],
        "who_acted": [
            {"at": _iso(a.created_at), "who": _who(a.actor), "action": a.action, "on": a.target_type} for a in audit
        ],
        "worker_contacts": [
            {
                "at": _iso(e.created_at),
                "who": _who(e.actor),
                "state": e.state,
                "note": e.note,
                "next_contact": _iso(e.next_contact),
            }
            for e in events
        ],
        "mentor_contacts": [
            {"on": _iso(c.contact_on), "mentor": c.mentor.name, "how": c.method, "advice": c.advice} for c in contacts
        ],
        "callback_requests": [
            {"at": _iso(c.created_at), "name": c.name, "handled_at": _iso(c.handled_at)} for c in callbacks
        ],
        "deletion_requests": [
            {"at": _iso(d.requested_at), "state": d.state, "decided_at": _iso(d.decided_at), "kept": d.kept}
            for d in deletions
        ],
        # learn → earn (issue 17): what they declared, whether enterprises may see them, who asked, what they earned
        "learning_claims": [
            {
                "kind": c.kind,
                "name": c.name,
                "level": c.level,
                "earned_on": _iso(c.earned_on),
                "certificate_no": c.certificate_no,
                "status": c.status,
            }
            for c in claims
        ],
        "shown_to_enterprises_since": _iso(listed.created_at) if listed else None,
        "enterprise_contact_requests": [
            {"job": r.job.title, "enterprise": r.job.institution.name, "status": r.status, "at": _iso(r.created_at)}
            for r in asked
        ],
        "work_portions": [
            {
                "order": p.order.what,
                "pieces": p.quantity,
                "handed_in": p.handed_in,
                "earned_fen": p.earned,
                "assigned_at": _iso(p.assigned_at),
            }
            for p in portions
        ],
        "work_requests": [
            {"order": r.order.what, "pieces": r.quantity, "status": r.status, "at": _iso(r.created_at)}
            for r in work_requests
        ],
        # the jobs we matched them to and told them of (app.services.job_push), and their job-text stop
        "jobs_told_of": [
            {"job": t.job.title, "enterprise": t.job.institution.name, "texted": t.texted, "at": _iso(t.created_at)}
            for t in told
        ],
        "job_texts_stopped_at": _iso(resident.job_push_stopped_at),
    }


def correct(resident: Resident, values: dict[str, Any]) -> staff.Changes:
    """The resident corrects their own details; the audit entry says what changed."""
    changes = staff.apply(resident, values)
    if changes:
        staff.audit(
            None,
            "resident.self_correct",
            "resident",
            resident.id,
            resident_id=resident.id,
            before={k: staff.plain(old) for k, (old, _new) in changes.items()},
            after={k: staff.plain(new) for k, (_old, new) in changes.items()},
        )
    return changes


def set_consent(resident: Resident, contact: bool, profiling: bool, now: dt.datetime) -> None:
    """Give or withdraw consent to be contacted and to be profiled; each change audited."""
    changed = {}
    if contact == (resident.contact_withdrawn_at is not None):
        resident.contact_withdrawn_at = None if contact else now
        changed["contact"] = contact
    if profiling == (resident.profiling_withdrawn_at is not None):
        resident.profiling_withdrawn_at = None if profiling else now
        changed["profiling"] = profiling
    if changed:
        staff.audit(None, "resident.consent", "resident", resident.id, resident_id=resident.id, **changed)
    db.session.flush()


def pending_request(resident: Resident) -> DeletionRequest | None:
    query = select(DeletionRequest).where(
        DeletionRequest.resident_id == resident.id, DeletionRequest.state == DeletionState.PENDING
    )
    return db.session.scalar(query)


def request_deletion(resident: Resident, submission_id: str) -> DeletionRequest:
    """Ask for deletion, once: a replay or a second ask returns the pending request."""
    existing = db.session.scalar(select(DeletionRequest).where(DeletionRequest.submission_id == submission_id))
    if existing is not None:
        return existing
    if (pending := pending_request(resident)) is not None:
        return pending
    request = DeletionRequest(submission_id=submission_id, resident_id=resident.id, town_id=resident.town_id, kept="")
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:
        return db.session.scalar(select(DeletionRequest).where(DeletionRequest.submission_id == submission_id))
    staff.audit(None, "resident.deletion_requested", "deletion_request", request.id, resident_id=resident.id)
    return request


def withdraw_request(request: DeletionRequest, now: dt.datetime) -> None:
    if request.state == DeletionState.PENDING:
        request.state, request.decided_at = DeletionState.WITHDRAWN, now
        db.session.flush()


def pending_deletions(town_id: int | None) -> list[DeletionRequest]:
    """Requests a worker of `town_id` may confirm (every town's for None: the bureau)."""
    query = select(DeletionRequest).where(DeletionRequest.state == DeletionState.PENDING)
    if town_id is not None:
        query = query.where(DeletionRequest.town_id == town_id)
    return list(db.session.scalars(query.order_by(DeletionRequest.requested_at)))


def may_confirm(request: DeletionRequest, user: User) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.WORKER and user.town_id is not None
                                       and user.town_id == request.town_id)  # fmt: skip


def placeholder_phone(resident_id: int) -> str:
    """An erased resident's "phone": 11 characters starting with 0, so never a mobile number."""
    return f"0{resident_id:010d}"


def confirm_deletion(request: DeletionRequest, actor: User, now: dt.datetime) -> DeletionRequest:
    """Erase the resident's personal data. Kept: a paid incentive's outcome and sign-up, with the
    name and masked ID card it was paid to (KEPT_FOR_PAID_INCENTIVES); the anonymous sign-up rows
    of classes (the class's own head count); that actions were taken (the audit entries, emptied)."""
    from app.services import enrolment as enrolment_service

    if request.state != DeletionState.PENDING:
        return request
    if not may_confirm(request, actor):
        raise PrivacyError("not_yours")
    resident = request.resident
    rid, phone = resident.id, resident.phone
    for enrolment in db.session.scalars(
        select(Enrolment).where(Enrolment.resident_id == rid, Enrolment.status.in_(LIVE))
    ):
        enrolment_service.cancel(enrolment)  # frees the place for the next on the waitlist
    paid = db.session.scalar(
        select(Outcome.id).where(Outcome.resident_id == rid, Outcome.paid_at.is_not(None)).limit(1)
    )
    db.session.execute(delete(Outcome).where(Outcome.resident_id == rid, Outcome.paid_at.is_(None)))
    # what they were told of (class and job push records) goes before the needs and texts it names
    db.session.execute(delete(Push).where(Push.resident_id == rid))
    db.session.execute(delete(JobPush).where(JobPush.resident_id == rid))
    db.session.execute(delete(Need).where(Need.resident_id == rid))
    db.session.execute(delete(Message).where(or_(Message.resident_id == rid, Message.phone == phone)))
    db.session.execute(delete(MentorContact).where(MentorContact.resident_id == rid))
    # learn → earn: declared certificates, the listing enterprises see, their contact requests. Work
    # portions stay (pieces handed in are what the workshop paid for), tied only to the erased row.
    db.session.execute(delete(LearningClaim).where(LearningClaim.resident_id == rid))
    db.session.execute(delete(LearnerListing).where(LearnerListing.resident_id == rid))
    db.session.execute(delete(ContactRequest).where(ContactRequest.resident_id == rid))
    # their requests for pieces, except those that became a portion (kept with it)
    db.session.execute(
        delete(WorkRequest).where(WorkRequest.resident_id == rid, WorkRequest.status != RequestStatus.CONFIRMED)
    )
    db.session.execute(delete(ResidentConflict).where(ResidentConflict.resident_id == rid))
    db.session.execute(delete(OneTimeCode).where(OneTimeCode.phone == phone))
    callback_ids = select(CallbackRequest.id).where(CallbackRequest.phone == phone)
    case_ids = select(Case.id).where(
        or_(Case.resident_id == rid, (Case.kind == "callback") & Case.source_id.in_(callback_ids))
    )
    db.session.execute(delete(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))
    db.session.execute(delete(Case).where(Case.id.in_(case_ids)))
    db.session.execute(delete(CallbackRequest).where(CallbackRequest.phone == phone))
    db.session.execute(update(AuditEntry).where(AuditEntry.resident_id == rid).values(details={}))
    keep = set(KEPT_FOR_PAID_INCENTIVES) if paid else set()
    values = {
        "name": resident.name if "name" in keep else ERASED_NAME,
        "phone": placeholder_phone(rid),
        "town_id": None,
        "age_band": None,
        "birth_year": None,
        "education": None,
        "work": None,
        "industry": None,
        "residence": resident.residence if "residence" in keep else None,
        "id_card_hash": resident.id_card_hash if "id_card_hash" in keep else None,
        "id_card_masked": resident.id_card_masked if "id_card_masked" in keep else None,
        "phone_confirmed_at": None,
        "contact_withdrawn_at": resident.contact_withdrawn_at or now,
        "profiling_withdrawn_at": resident.profiling_withdrawn_at or now,
        "erased_at": now,
    }
    staff.apply(resident, values)
    request.state, request.decided_at, request.decided_by_id = DeletionState.CONFIRMED, now, actor.id
    request.kept = ",".join(sorted(keep))
    db.session.flush()
    staff.audit(actor, "resident.erased", "deletion_request", request.id, resident_id=rid, kept=request.kept)
    return request
