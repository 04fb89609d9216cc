"""The bureau asks (issue 16): from an "open a class here" suggestion of the 驾驶舱, a request to an
institution — what, where, for how many, on which days — which the institution answers (will open /
can't, and why) and links to the class it opens. Services add and flush, never commit; each step
is audited."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.labels import TIMES_OF_DAY
from app.models import ClassRequest, Offering, RequestAnswer, User
from app.services import dashboard, staff


@dataclass
class Draft:
    """A request as a suggestion fills it in; staff may change every part before sending."""

    town_id: int
    kind: str
    programme: str
    people: int
    weekdays: list[int]
    about: str


def draft(today, town_id: int, kind: str, about: str) -> Draft | None:
    """The suggestion's town, kind, programme and people, and the days most of them said suit them
    (each day that at least a third of them named; otherwise the two named most)."""
    gap, people = dashboard.gap_people(today, town_id, kind, about)
    if gap is None:
        return None
    days = Counter(d for need, _resident in people for d in need.weekday_list)
    asked = len(people) or 1
    suits = sorted(d for d, n in days.items() if n * 3 >= asked) or sorted(d for d, _n in days.most_common(2))
    return Draft(gap.town_id, gap.kind, gap.target[:60], gap.count, suits, about)


def group_note(proposal) -> str:
    """The note of a request made from an enterprise's group class: who asks, when suits them, what
    they added (the contact is on the request's page, from the proposal)."""
    parts = [_("企业组班：%(name)s，%(n)s名员工", name=proposal.institution.name, n=proposal.people)]
    if proposal.time_list:
        parts.append(_("方便的时间：%(times)s", times="、".join(str(TIMES_OF_DAY[t]) for t in proposal.time_list)))
    if proposal.note:
        parts.append(proposal.note)
    return "；".join(parts)[:1000]


def by_submission(submission_id: str) -> ClassRequest | None:
    return db.session.scalar(select(ClassRequest).where(ClassRequest.submission_id == submission_id))


def send(values: dict, actor: User, submission_id: str) -> ClassRequest:
    """Record the bureau's request; a replay of the same submission returns the first."""
    if (first := by_submission(submission_id)) is not None:
        return first
    request = ClassRequest(submission_id=submission_id, requested_by_id=actor.id, **values)
    request.weekdays = ",".join(str(d) for d in sorted(set(values.get("weekdays") or ())))
    db.session.add(request)
    db.session.flush()
    staff.audit(actor, "request.send", "class_request", request.id, institution=request.institution_id)
    return request


def answer(request: ClassRequest, answer: str, reason: str, actor: User) -> bool:
    """The institution's answer; the same answer again changes nothing. Returns True if it changed."""
    if request.answer == answer and request.answer_reason == reason:
        return False
    before = {"answer": request.answer, "reason": request.answer_reason}
    request.answer, request.answer_reason = RequestAnswer(answer), reason
    request.answered_by_id, request.answered_at = actor.id, utcnow()
    db.session.flush()
    staff.audit(
        actor, "request.answer", "class_request", request.id, before=before, after={"answer": answer, "reason": reason}
    )
    return True


def link(request: ClassRequest, offering: Offering, actor: User) -> None:
    """The class the institution opened for this request (which counts as "will open")."""
    if request.offering_id == offering.id:
        return
    request.offering_id = offering.id
    if request.answer != RequestAnswer.WILL_OPEN:
        request.answer, request.answered_by_id, request.answered_at = RequestAnswer.WILL_OPEN, actor.id, utcnow()
    db.session.flush()
    staff.audit(actor, "request.link", "class_request", request.id, offering=offering.id)


def listing(institution_id: int | None, limit: int = 200) -> list[ClassRequest]:
    """Requests newest first: to one institution, or (None) all of them, for the bureau."""
    query = (
        select(ClassRequest)
        .options(joinedload(ClassRequest.institution), joinedload(ClassRequest.town), joinedload(ClassRequest.offering))
        .order_by(ClassRequest.created_at.desc(), ClassRequest.id.desc())
        .limit(limit)
    )
    if institution_id is not None:
        query = query.where(ClassRequest.institution_id == institution_id)
    return list(db.session.scalars(query))
