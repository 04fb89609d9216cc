"""A worker's caseload (/worker/cases), as CommCare gives field workers their case list.

What needs following up in a town, read from where it already lives:

  need      an open need (new or matched, not yet enrolled) of a resident of the town
  callback  a call-back request not yet phoned back
  offer     a place offered from a waitlist in the last OFFER_DAYS days, still held
  starting  a class starting in the next seven days, for someone a worker signed up

Each has a state (new → contacted / waiting → done), a note, the next contact date and a holder.
Nothing is written to show a caseload: the Case row is made the first time someone acts on it, and
each act is a CaseEvent (who, when, what) and an audit entry. A case is held by the worker who
entered the need or the sign-up until a supervisor (the bureau) hands it to another worker of the
same town; a case nobody holds is the town's, shown to each of its workers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    CallbackRequest,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    Enrolment,
    Need,
    NeedStatus,
    Offering,
    Resident,
    Role,
    User,
)
from app.models.enrolment import LIVE, SEATED
from app.services import ServiceError, callbacks, staff

OFFER_DAYS = 14
STARTING_DAYS = 7
LIMIT = 50  # cases shown per kind; the page says how many more there are


class CaseError(ServiceError):
    pass


@dataclass
class CaseItem:
    kind: str
    source_id: int
    town_id: int
    resident_id: int | None
    name: str
    phone: str
    what: str  # the programme or class, or what they asked for
    since: dt.datetime
    default_worker_id: int | None
    case: Case | None
    starts_on: dt.date | None = None

    @property
    def state(self) -> str:
        return self.case.state if self.case else CaseState.NEW

    @property
    def worker_id(self) -> int | None:
        return self.case.worker_id if self.case else self.default_worker_id

    @property
    def note(self) -> str:
        return self.case.note if self.case else ""

    @property
    def next_contact(self) -> dt.date | None:
        return self.case.next_contact if self.case else None

    @property
    def events(self) -> list[CaseEvent]:
        return self.case.events if self.case else []


def _case_join(kind: CaseKind, source_column):
    return and_(Case.kind == kind.value, Case.source_id == source_column)


def _sources(kind: CaseKind, today: dt.date):
    """(query of (source row, Case or None, …), town column, default holder column, source id column)."""
    if kind == CaseKind.NEED:
        query = (
            select(Need, Case, Resident)
            .join(Resident, Need.resident_id == Resident.id)
            .outerjoin(Case, _case_join(kind, Need.id))
            .where(Need.status.in_([NeedStatus.NEW, NeedStatus.MATCHED]), Resident.erased_at.is_(None))
        )
        return query, Resident.town_id, Need.entered_by_id, Need.id, Need.created_at
    if kind == CaseKind.CALLBACK:
        query = (
            select(CallbackRequest, Case)
            .outerjoin(Case, _case_join(kind, CallbackRequest.id))
            .where(CallbackRequest.handled_at.is_(None))
        )
        return query, CallbackRequest.town_id, None, CallbackRequest.id, CallbackRequest.created_at
    query = (
        select(Enrolment, Case, Resident, Offering)
        .join(Resident, Enrolment.resident_id == Resident.id)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .outerjoin(Case, _case_join(kind, Enrolment.id))
        .where(Resident.erased_at.is_(None))
    )
    if kind == CaseKind.OFFER:
        since = dt.datetime.combine(today - dt.timedelta(days=OFFER_DAYS), dt.time(0), dt.UTC)
        query = query.where(Enrolment.promoted_at >= since, Enrolment.status.in_(SEATED))
        return query, Resident.town_id, Enrolment.entered_by_id, Enrolment.id, Enrolment.promoted_at
    query = query.where(
        Enrolment.entered_by_id.is_not(None),
        Enrolment.status.in_(LIVE),
        Offering.start_date.between(today, today + dt.timedelta(days=STARTING_DAYS - 1)),
    )
    return query, Resident.town_id, Enrolment.entered_by_id, Enrolment.id, Enrolment.created_at


def _item(kind: CaseKind, row) -> CaseItem:
    if kind == CaseKind.NEED:
        need, case, resident = row
        return CaseItem(
            kind, need.id, resident.town_id, resident.id, resident.name, resident.phone,
            need.target, need.created_at, need.entered_by_id, case,
        )  # fmt: skip
    if kind == CaseKind.CALLBACK:
        callback, case = row
        what = callback.offering.programme.name if callback.offering else ""
        return CaseItem(
            kind, callback.id, callback.town_id, None, callback.name, callback.phone,
            what, callback.created_at, None, case,
        )  # fmt: skip
    enrolment, case, resident, offering = row
    return CaseItem(
        kind, enrolment.id, resident.town_id, resident.id, resident.name, resident.phone,
        offering.title, enrolment.promoted_at or enrolment.created_at, enrolment.entered_by_id, case,
        starts_on=offering.start_date,
    )  # fmt: skip


@dataclass
class Section:
    kind: str
    items: list[CaseItem]
    total: int


def caseload(town_id: int, today: dt.date, holder: User | None, done: bool = False) -> list[Section]:
    """The town's cases by kind: those `holder` holds and those nobody holds (every case of the town
    for holder None, the supervisor's view); open ones, or with `done` those finished."""
    sections = []
    for kind in CaseKind:
        query, town, default_holder, _source, since = _sources(kind, today)
        query = query.where(town == town_id)
        held = Case.worker_id if default_holder is None else func.coalesce(Case.worker_id, default_holder)
        if holder is not None:
            query = query.where(or_(held.is_(None), held == holder.id))
        if done:
            query = query.where(Case.state == CaseState.DONE)
        else:
            query = query.where(or_(Case.id.is_(None), Case.state != CaseState.DONE))
        total = db.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = db.session.execute(
            query.order_by(Case.next_contact.is_(None), Case.next_contact, since).limit(LIMIT)
        ).all()
        sections.append(Section(kind, [_item(kind, row) for row in rows], total or 0))
    return sections


def find(kind: str, source_id: int, today: dt.date) -> CaseItem | None:
    """One case by what it is about, whatever its state (None if it is not, or no longer, a case)."""
    try:
        kind = CaseKind(kind)
    except ValueError:
        return None
    query, _town, _default, source, _since = _sources(kind, today)
    row = db.session.execute(query.where(source == source_id)).first()
    if row is None:  # a case already acted on stays open to its page after its source moved on
        case = db.session.scalar(select(Case).where(Case.kind == kind.value, Case.source_id == source_id))
        return _from_case(case) if case else None
    return _item(kind, row)


def _from_case(case: Case) -> CaseItem:
    resident = db.session.get(Resident, case.resident_id) if case.resident_id else None
    name, phone = (resident.name, resident.phone) if resident else ("", "")
    if case.kind == CaseKind.CALLBACK and (callback := db.session.get(CallbackRequest, case.source_id)):
        name, phone = callback.name, callback.phone
    return CaseItem(case.kind, case.source_id, case.town_id, case.resident_id, name, phone, "", case.created_at,
                    case.worker_id, case)  # fmt: skip


def may_open(item: CaseItem, user: User) -> bool:
    """A worker opens the cases of their own town; the bureau any."""
    return user.role == Role.ADMIN or (user.role == Role.WORKER and user.town_id == item.town_id)


def _replayed(submission_id: str) -> Case | None:
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.submission_id == submission_id))
    return event.case if event else None


def _case_for(item: CaseItem) -> Case:
    if item.case is not None:
        return item.case
    case = Case(
        kind=item.kind,
        source_id=item.source_id,
        town_id=item.town_id,
        resident_id=item.resident_id,
        worker_id=item.default_worker_id,
        state=CaseState.NEW,
        note="",
    )
    try:
        with db.session.begin_nested():
            db.session.add(case)
    except IntegrityError:  # someone else acted on it at the same moment
        case = db.session.scalar(select(Case).where(Case.kind == item.kind, Case.source_id == item.source_id))
    item.case = case
    return case


def update(
    item: CaseItem, actor: User, state: str, note: str, next_contact: dt.date | None, submission_id: str, now
) -> Case:
    """Record a contact: the new state, note and next contact date. The same submission twice
    changes it once. Done on a call-back marks it phoned back."""
    if (case := _replayed(submission_id)) is not None:
        return case
    if not may_open(item, actor):
        raise CaseError("not_yours")
    state = CaseState(state)
    case = _case_for(item)
    changes = staff.apply(case, {"state": state.value, "note": note, "next_contact": next_contact})
    db.session.add(
        CaseEvent(
            case=case,
            submission_id=submission_id,
            actor_id=actor.id,
            action="update",
            state=case.state,
            note=note,
            next_contact=next_contact,
            worker_id=case.worker_id,
        )
    )
    if state == CaseState.DONE and item.kind == CaseKind.CALLBACK:
        callback = db.session.get(CallbackRequest, item.source_id)
        if callback is not None:
            callbacks.mark_handled(callback, actor, now)
    db.session.flush()
    staff.audit(
        actor,
        "case.update",
        "case",
        case.id,
        resident_id=case.resident_id,
        kind=case.kind,
        after={name: staff.plain(new) for name, (_old, new) in changes.items()},
    )
    return case


def workers_of(town_id: int) -> list[User]:
    """Who a case of this town may be handed to."""
    query = select(User).where(User.role == Role.WORKER, User.active, User.town_id == town_id).order_by(User.name)
    return list(db.session.scalars(query))


def reassign(item: CaseItem, supervisor: User, worker_id: int, submission_id: str) -> Case:
    """The bureau hands a case to another worker of the same town (never outside it)."""
    if (case := _replayed(submission_id)) is not None:
        return case
    if supervisor.role != Role.ADMIN:
        raise CaseError("not_supervisor")
    worker = db.session.get(User, worker_id)
    if worker is None or worker.role != Role.WORKER or not worker.active or worker.town_id != item.town_id:
        raise CaseError("other_town")
    case = _case_for(item)
    before = case.worker_id
    case.worker_id = worker.id
    db.session.add(
        CaseEvent(
            case=case,
            submission_id=submission_id,
            actor_id=supervisor.id,
            action="reassign",
            state=case.state,
            note="",
            next_contact=case.next_contact,
            worker_id=worker.id,
        )
    )
    db.session.flush()
    staff.audit(
        supervisor, "case.reassign", "case", case.id, resident_id=case.resident_id, before=before, after=worker.id
    )
    return case
