"""企业组班: an enterprise proposes a class for so many of its employees in one town. Until a class that
fits opens, the proposal counts as demand on the 驾驶舱 (app.services.dashboard) for its programme in
its town, shown apart as an enterprise group; the bureau can turn it into a class request to an
institution (app.services.class_requests), and the class opened for that request — or any open class
of the same programme (and certificate level) in that town — is the proposal's class, with the link
the enterprise passes to its employees and how many signed up. Services add and flush, never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.models import (
    ClassRequest,
    Enrolment,
    EnrolmentStatus,
    GroupProposal,
    GroupStatus,
    Offering,
    OfferingStatus,
    Programme,
    RequestAnswer,
    User,
)
from app.services import learning, staff, vocabulary
from app.vocabulary import Kind

KIND_ORDER = (Kind.SKILL, Kind.DEGREE, Kind.COMMUNITY)  # a word of two kinds is read as a skill first
# Signed up to the class: holding a place, waiting for one, in a draw or a group class, or finished.
SIGNED = (
    EnrolmentStatus.RECEIVED,
    EnrolmentStatus.INTENT,
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.WAITLISTED,
    EnrolmentStatus.COMPLETED,
)


@dataclass
class Meaning:
    kind: str
    programme: str  # the vocabulary's programme (电工, 专科, 书法)
    level: str | None  # a certificate level written in the words (电工四级 → 中级)


def understand(text: str) -> Meaning | None:
    """What the enterprise's words name in the vocabulary: "电工四级" is (skill, 电工, 中级), "大专" is
    (degree, 专科, None); None when the vocabulary knows none of the words."""
    lexicon = vocabulary.lexicon()
    for kind in KIND_ORDER:
        names = lexicon.programmes(text or "", kind)
        if names:
            level = vocabulary.occupation_level(text)[1] if kind == Kind.SKILL else None
            return Meaning(kind, names[0], level)
    return None


def levels_of(occupation: str) -> set[str]:
    """The certificate levels an occupation is taught or examined at: its own steps of the
    vocabulary's ladder and the levels of the catalogue's programmes in it (电工: 初级, 中级); empty
    for one taught without levels (叉车司机, an operating licence)."""
    levels = {level for occ, level in vocabulary.lexicon().cert_steps if occ == occupation}
    rows = db.session.execute(
        select(Programme.name, Programme.certificate, Programme.cert_level)
        .where(Programme.kind == Kind.SKILL, Programme.cert_level.is_not(None))
        .distinct()
    )
    for name, certificate, level in rows:
        if (vocabulary.occupation_level(certificate or name)[0] or name) == occupation:
            levels.add(level)
    return levels


@dataclass
class GroupInput:
    kind: str
    programme: str
    cert_level: str | None
    town_id: int
    people: int
    weekdays: list[int]
    times: list[str]
    note: str
    contact_name: str
    contact_phone: str


def by_submission(submission_id: str) -> GroupProposal | None:
    return db.session.scalar(select(GroupProposal).where(GroupProposal.submission_id == submission_id))


def propose(enterprise: User, submission_id: str, given: GroupInput) -> GroupProposal:
    """The enterprise's proposal; a replay of the same submission returns the first."""
    if (first := by_submission(submission_id)) is not None:
        return first
    proposal = GroupProposal(
        submission_id=submission_id,
        institution_id=enterprise.institution_id,
        kind=given.kind,
        programme=given.programme[:60],
        cert_level=given.cert_level if given.kind == Kind.SKILL else None,
        town_id=given.town_id,
        people=given.people,
        weekdays=",".join(str(d) for d in sorted(set(given.weekdays))),
        times=",".join(given.times),
        note=given.note,
        contact_name=given.contact_name,
        contact_phone=given.contact_phone,
        created_by_id=enterprise.id,
    )
    db.session.add(proposal)
    db.session.flush()
    staff.audit(
        enterprise, "group.propose", "group_proposal", proposal.id, wanted=proposal.wanted, people=proposal.people
    )
    return proposal


def lock(proposal: GroupProposal) -> GroupProposal:
    """Lock the proposal's row for this transaction and read it fresh: the enterprise withdrawing it
    and the bureau asking an institution for it, at once, happen one after the other."""
    return db.session.scalars(
        select(GroupProposal)
        .where(GroupProposal.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def why_not_ask(proposal: GroupProposal, submission_id: str) -> str | None:
    """Why the bureau's request form, sent from this proposal, must not ask an institution: the
    enterprise withdrew it ("withdrawn"), or another request for it is out and not refused ("asked";
    a replay of that request's own submission is fine). None when it may."""
    if proposal.status != GroupStatus.ACTIVE:
        return "withdrawn"
    if asked(proposal) and proposal.class_request.submission_id != submission_id:
        return "asked"
    return None


def withdraw(proposal: GroupProposal, actor: User) -> bool:
    """The enterprise takes its proposal back: no longer counted. Again changes nothing."""
    proposal = lock(proposal)
    if proposal.status == GroupStatus.WITHDRAWN:
        return False
    proposal.status, proposal.withdrawn_at = GroupStatus.WITHDRAWN, utcnow()
    db.session.flush()
    staff.audit(actor, "group.withdraw", "group_proposal", proposal.id)
    return True


def asked(proposal: GroupProposal) -> bool:
    """Has the bureau asked an institution for it, and not been told it can't?"""
    request = proposal.class_request
    return request is not None and request.answer != RequestAnswer.CANNOT


def link_request(proposal: GroupProposal, request: ClassRequest, actor: User) -> None:
    """The bureau's class request made from this proposal: the first stays, unless its institution
    answered that it can't open the class (then the bureau asks another)."""
    if proposal.status != GroupStatus.ACTIVE or asked(proposal) or proposal.class_request_id == request.id:
        return
    proposal.class_request = request
    db.session.flush()
    staff.audit(actor, "group.request", "group_proposal", proposal.id, request=request.id)


def of_enterprise(institution_id: int) -> list[GroupProposal]:
    return list(
        db.session.scalars(
            select(GroupProposal)
            .options(joinedload(GroupProposal.town))
            .where(GroupProposal.institution_id == institution_id)
            .order_by(GroupProposal.id.desc())
        )
    )


def for_request(request_id: int) -> GroupProposal | None:
    return db.session.scalar(select(GroupProposal).where(GroupProposal.class_request_id == request_id))


# Does a class fit? ---------------------------------------------------------------------------------


def _teaches(programme: Programme, proposal: GroupProposal) -> bool:
    """Does the programme teach what the proposal asks for (the same occupation and level for a
    certificate; the same vocabulary programme otherwise)?"""
    if programme.kind != proposal.kind:
        return False
    if proposal.kind == Kind.SKILL:  # no level asked for: a class of the occupation at any level
        level_fits = proposal.cert_level is None or programme.cert_level == proposal.cert_level
        return learning.occupation_of(programme) == proposal.programme and level_fits
    if proposal.kind == Kind.DEGREE and programme.degree_level == proposal.programme:
        return True
    return proposal.programme in vocabulary.programme_terms(programme.name, proposal.kind)


def _live(offering: Offering | None, today: dt.date) -> bool:
    return offering is not None and offering.status != OfferingStatus.CANCELLED and offering.end_date >= today


def classes_for(proposals: list[GroupProposal], today: dt.date) -> dict[int, Offering]:
    """Each proposal's class, if one is open: the class the institution opened for its request, else
    the soonest class open for sign-up in its town that teaches it. One query for the open classes of
    the proposals' towns (there are few proposals; their towns' open classes are a few hundred)."""
    found: dict[int, Offering] = {}
    looking = []
    for proposal in proposals:
        asked = proposal.class_request.offering if proposal.class_request is not None else None
        if _live(asked, today):
            found[proposal.id] = asked
        else:
            looking.append(proposal)
    towns = {p.town_id for p in looking}
    if not towns:
        return found
    offerings = db.session.scalars(
        Offering.listing()
        .where(Offering.town_id.in_(towns), Offering.open_for_signup(today))
        .order_by(Offering.start_date, Offering.id)
    ).all()
    for proposal in looking:
        fit = next((o for o in offerings if o.town_id == proposal.town_id and _teaches(o.programme, proposal)), None)
        if fit is not None:
            found[proposal.id] = fit
    return found


def signed_up(offering_ids) -> dict[int, int]:
    """How many signed up to each class (a place, a wait, a draw or group-class entry, or finished)."""
    ids = list(set(offering_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.offering_id, func.count())
        .where(Enrolment.offering_id.in_(ids), Enrolment.status.in_(SIGNED))
        .group_by(Enrolment.offering_id)
    )
    return {offering_id: int(n) for offering_id, n in rows}


@dataclass
class View:
    """A proposal as its enterprise and the bureau see it."""

    proposal: GroupProposal
    state: str  # waiting | requested | open | withdrawn
    offering: Offering | None = None
    signed_up: int = 0

    @property
    def counted(self) -> bool:
        """Counted as demand on the 驾驶舱: still wanted, and no class that fits is open yet."""
        return self.state in ("waiting", "requested")


def views(proposals: list[GroupProposal], today: dt.date) -> list[View]:
    active = [p for p in proposals if p.status == GroupStatus.ACTIVE]
    classes = classes_for(active, today)
    counts = signed_up(o.id for o in classes.values())
    found = []
    for proposal in proposals:
        if proposal.status == GroupStatus.WITHDRAWN:
            found.append(View(proposal, "withdrawn"))
        elif (offering := classes.get(proposal.id)) is not None:
            found.append(View(proposal, "open", offering, counts.get(offering.id, 0)))
        else:
            found.append(View(proposal, "requested" if proposal.class_request_id else "waiting"))
    return found


def view(proposal: GroupProposal, today: dt.date) -> View:
    return views([proposal], today)[0]


def counted(today: dt.date, town_id: int | None = None, kind: str | None = None) -> list[View]:
    """The proposals the 驾驶舱 counts as demand (active, no class that fits open yet), oldest first."""
    query = (
        select(GroupProposal)
        .options(
            joinedload(GroupProposal.institution),
            joinedload(GroupProposal.town),
            joinedload(GroupProposal.class_request).joinedload(ClassRequest.offering),
        )
        .where(GroupProposal.status == GroupStatus.ACTIVE)
        .order_by(GroupProposal.created_at, GroupProposal.id)
    )
    if town_id is not None:
        query = query.where(GroupProposal.town_id == town_id)
    if kind is not None:
        query = query.where(GroupProposal.kind == kind)
    return [v for v in views(list(db.session.scalars(query).unique()), today) if v.counted]
