"""Jobs matched both ways, with reasons.

A resident sees the open jobs that fit what their learning record holds or what they are about to
finish, near home ("您有电工初级证；本镇；白班"), and the jobs one class away ("再学电工中级，就能
申请…", with the next-level class). An enterprise sees, for one of its jobs, the learners who opted
in to be shown (app.services.learning.set_listed) and hold the level it wants — their name and phone
masked until the learner accepts a request to be put in touch. No texts are sent from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.labels import SHIFTS
from app.models import (
    ContactRequest,
    ContactStatus,
    Job,
    JobPushReason,
    JobStatus,
    LearnerListing,
    Offering,
    Programme,
    Resident,
    User,
    mask_phone,
)
from app.services import ServiceError, learning, privacy, staff, vocabulary
from app.vocabulary import CERT_LEVELS, Kind


class JobError(ServiceError):
    pass


@dataclass
class JobInput:
    title: str
    town_id: int
    pay_min: int
    pay_max: int
    shifts: list[str]
    occupation: str
    cert_level: str | None
    openings: int


def post(enterprise: User, submission_id: str, given: JobInput) -> Job:
    """A job of the user's enterprise. The occupation is put in the vocabulary's words (电工证 → 电工),
    and a level written in it (电工四级) is taken when none is chosen. A replay returns the first job."""
    found = db.session.scalar(select(Job).where(Job.submission_id == submission_id))
    if found is not None:
        return found
    occupation, written_level = vocabulary.occupation_level(given.occupation)
    job = Job(
        submission_id=submission_id,
        institution_id=enterprise.institution_id,
        title=given.title,
        town_id=given.town_id,
        pay_min=given.pay_min,
        pay_max=given.pay_max,
        shifts=",".join(s for s in SHIFTS if s in given.shifts),
        occupation=(occupation or given.occupation)[:40],
        cert_level=given.cert_level or written_level,
        openings=given.openings,
        created_by_id=enterprise.id,
    )
    db.session.add(job)
    db.session.flush()
    staff.audit(enterprise, "job.create", "job", job.id, title=job.title, occupation=job.occupation)
    _announce(job.id, JobPushReason.POSTED)
    return job


def _announce(job_id: int, reason: JobPushReason) -> None:
    from app.services import job_push  # it reads this module's match

    job_push.announce(job_id, reason)


def change(job: Job, actor: User, openings: int, open_: bool, submission_id: str | None = None) -> bool:
    """The enterprise changes how many it wants, or closes or reopens the job (audited). Reopening or
    wanting more people tells the residents it fits who were not told yet (app.services.job_push).
    False when nothing changed, or when `submission_id` was sent before (a replay does not undo a
    later change)."""
    from app.services import classes  # its ledger of submission ids

    status = JobStatus.OPEN if open_ else JobStatus.CLOSED
    if submission_id is not None:
        if classes.replayed(submission_id) is not None:
            return False
        classes.remember(submission_id, "job.change", "job", job.id)
    if openings == job.openings and status == job.status:
        return False
    reason = None
    if status == JobStatus.OPEN and job.status != JobStatus.OPEN:
        reason = JobPushReason.REOPENED
    elif status == JobStatus.OPEN and openings > job.openings:
        reason = JobPushReason.MORE
    staff.audit(actor, "job.change", "job", job.id, openings=openings, status=status, was=job.status)
    job.openings, job.status = openings, status
    db.session.flush()
    if reason is not None:
        _announce(job.id, reason)
    return True


def open_jobs(town_id: int | None = None) -> list[Job]:
    query = select(Job).where(Job.status == JobStatus.OPEN).order_by(Job.created_at.desc(), Job.id.desc())
    if town_id:
        query = query.where(Job.town_id == town_id)
    return list(db.session.scalars(query))


def of_enterprise(institution_id: int) -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.institution_id == institution_id).order_by(Job.id.desc())))


def wanted(job: Job) -> str:
    """电工（中级）: the occupation and the level the job asks for."""
    return f"{job.occupation}（{job.cert_level}）" if job.cert_level else job.occupation


def shift_words(job: Job) -> str:
    return "、".join(str(SHIFTS[s]) for s in job.shift_list if s in SHIFTS)


# A resident's side ------------------------------------------------------------------------------


@dataclass
class JobFit:
    job: Job
    reasons: list[str]
    km: float | None = None


@dataclass
class JobStep:
    """A job one certificate level away, and the class that leads there (None: none open now)."""

    job: Job
    level: str
    offering: Offering | None
    reasons: list[str] = field(default_factory=list)


@dataclass
class ForResident:
    fits: list[JobFit]
    one_class_away: list[JobStep]
    personalised: bool = True  # False: they withdrew consent to be profiled (PIPL art. 24), nothing is matched


def is_near(resident: Resident, job: Job, lexicon: vocabulary.Lexicon) -> bool:
    """Is the job near home: their town, one within vocabulary.NEAR_KM, or their town unknown (the
    match's rule, without the words: the job push asks it in the worker, outside any request)."""
    if resident.town_id is None or job.town_id == resident.town_id:
        return True
    km = lexicon.km(resident.town_id, job.town_id)
    return km is not None and km <= vocabulary.NEAR_KM


def near(resident: Resident, job: Job, lexicon: vocabulary.Lexicon) -> tuple[bool, str | None, float | None]:
    """Is the job near home (is_near), and the words for it (本镇, 邻近 约 6 公里)."""
    if not is_near(resident, job, lexicon):
        return False, None, lexicon.km(resident.town_id, job.town_id)
    if resident.town_id is None:
        return True, None, None
    if job.town_id == resident.town_id:
        return True, _("本镇"), 0
    km = lexicon.km(resident.town_id, job.town_id)
    return True, _("邻近（约 %(km)s 公里）", km=round(km)), km


def _level_index(level: str | None) -> int:
    return CERT_LEVELS.index(level) if level in CERT_LEVELS else -1


def next_class(occupation: str, level: str, town_id: int | None, today: dt.date) -> Offering | None:
    """An open class of `occupation` at `level`, in the resident's town first, soonest first."""
    rows = db.session.scalars(
        Offering.listing()
        .where(
            Offering.kind == Kind.SKILL,
            Programme.cert_level == level,
            Offering.open_for_signup(today),
        )
        .order_by(Offering.start_date, Offering.id)
    ).all()
    found = [o for o in rows if learning.occupation_of(o.programme) == occupation]
    found.sort(key=lambda o: o.town_id != town_id)
    return found[0] if found else None


def holds_enough(job: Job, holding: learning.Holding) -> bool:
    """The resident holds what the job asks for: its level or above (or, for a job that asks for no
    certificate, any record in its occupation). The fit a job push texts about (app.services.job_push)."""
    need, held = _level_index(job.cert_level), _level_index(holding.level)
    return held >= need and (held >= 0 or need < 0)


def for_resident(resident: Resident, today: dt.date) -> ForResident:
    if not privacy.may_profile(resident):
        return ForResident([], [], personalised=False)
    holdings = learning.holdings(resident.id, today)
    lexicon = vocabulary.lexicon()
    fits: list[JobFit] = []
    steps: list[JobStep] = []
    if not holdings:
        return ForResident(fits, steps)
    jobs = db.session.scalars(
        select(Job).where(Job.status == JobStatus.OPEN, Job.occupation.in_(list(holdings))).order_by(Job.id)
    )
    for job in jobs:
        close, where, km = near(resident, job, lexicon)
        if not close:
            continue
        holding = holdings[job.occupation]
        need = _level_index(job.cert_level)
        held, studying = _level_index(holding.level), _level_index(holding.studying)
        extra = [r for r in (where, shift_words(job)) if r]
        if holds_enough(job, holding):
            have = (
                _("您有%(occupation)s%(level)s证", occupation=job.occupation, level=holding.level)
                if holding.level
                else _("您学过%(occupation)s", occupation=job.occupation)
            )
            fits.append(JobFit(job, [have, *extra], km))
        elif studying >= need:
            soon = _(
                "您正在学%(occupation)s%(level)s，%(date)s结业",
                occupation=job.occupation,
                level=holding.studying,
                date=holding.studying_until.isoformat() if holding.studying_until else "",
            )
            fits.append(JobFit(job, [soon, *extra], km))
        elif max(held, studying) == need - 1:
            offering = next_class(job.occupation, job.cert_level, resident.town_id, today)
            reason = _(
                "再学%(occupation)s%(level)s，就能申请“%(title)s”",
                occupation=job.occupation,
                level=job.cert_level,
                title=job.title,
            )
            steps.append(JobStep(job, job.cert_level, offering, [reason, *extra]))
    fits.sort(key=lambda f: (f.km is None, f.km or 0, -f.job.id))
    return ForResident(fits, steps)


def requests_for(resident_id: int) -> list[ContactRequest]:
    return list(
        db.session.scalars(
            select(ContactRequest).where(ContactRequest.resident_id == resident_id).order_by(ContactRequest.id.desc())
        )
    )


def answer(request: ContactRequest, resident_id: int, accept: bool) -> bool:
    """The resident agrees (or not) to be put in touch, on their own requests: a pending one, or one
    they agreed to and now take back (the enterprise then sees them masked again)."""
    if request.resident_id != resident_id:
        return False
    if request.status not in (ContactStatus.PENDING, ContactStatus.ACCEPTED) or (
        request.status == ContactStatus.ACCEPTED and accept
    ):
        return False
    request.status = ContactStatus.ACCEPTED if accept else ContactStatus.DECLINED
    request.answered_at = utcnow()
    staff.audit(None, "contact.answer", "contact_request", request.id, resident_id=resident_id, status=request.status)
    db.session.flush()
    return True


# An enterprise's side ----------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """王小明 → 王**."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "*"


NEW_DAYS = 30  # a learner who came to hold the level in the last NEW_DAYS, after the job was posted, is new


@dataclass
class Learner:
    resident_id: int
    name: str  # masked until they accept
    phone: str  # masked until they accept
    town: str
    holds: str  # 电工（中级）
    studying: str | None
    request: ContactRequest | None
    level: str | None = None  # 中级: the level held
    qualified_at: dt.datetime | None = None  # when the level was recorded or accepted (None: not known)
    new: bool = False  # came to hold it after the job was posted (the job page's "新符合条件")
    days_ago: int | None = None  # days since qualified_at

    @property
    def in_touch(self) -> bool:
        return self.request is not None and self.request.status in (ContactStatus.ACCEPTED, ContactStatus.HIRED)


def _enough(job: Job, holding: learning.Holding | None) -> learning.Holding | None:
    """The holding, if it is a level held and the one the job wants or above."""
    if holding is None or holding.level is None or _level_index(holding.level) < _level_index(job.cert_level):
        return None
    return holding


def _holding_for(job: Job, resident_id: int, today: dt.date) -> learning.Holding | None:
    """What the resident holds of the job's occupation, if it is the level the job wants or above."""
    return _enough(job, learning.holdings(resident_id, today).get(job.occupation))


def _is_new(job: Job, qualified_at: dt.datetime | None, now: dt.datetime) -> bool:
    if qualified_at is None:
        return False
    posted = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=dt.UTC)
    return qualified_at > posted and qualified_at > now - dt.timedelta(days=NEW_DAYS)


def learners_for(job: Job, today: dt.date) -> list[Learner]:
    """The opted-in learners who hold the level the job wants (or above) in its occupation, by id;
    contact masked unless they accepted this job's request. A fixed number of queries, however many
    learners are listed: the listed residents (with their towns), their learning records (three),
    and the job's requests."""
    listed_ids = select(LearnerListing.resident_id)
    listed = db.session.scalars(
        select(Resident)
        .join(LearnerListing, LearnerListing.resident_id == Resident.id)
        .options(joinedload(Resident.town))
        .order_by(Resident.id)
    ).all()
    held = learning.holdings_of(listed_ids, today)
    requests = {
        r.resident_id: r for r in db.session.scalars(select(ContactRequest).where(ContactRequest.job_id == job.id))
    }
    now = utcnow()
    found: list[Learner] = []
    for resident in listed:
        if (holding := _enough(job, held.get(resident.id, {}).get(job.occupation))) is None:
            continue
        request = requests.get(resident.id)
        shown = request is not None and request.status in (ContactStatus.ACCEPTED, ContactStatus.HIRED)
        since = holding.qualified_since(job.cert_level)  # first held the level it wants (or above)
        found.append(
            Learner(
                resident.id,
                resident.name if shown else mask_name(resident.name),
                resident.phone if shown else mask_phone(resident.phone),
                resident.town.name if resident.town else "",
                f"{job.occupation}（{holding.level}）",
                f"{job.occupation}（{holding.studying}）" if holding.studying else None,
                request,
                holding.level,
                since,
                _is_new(job, since, now),
                (now - since).days if since else None,
            )
        )
    found.sort(key=lambda learner: learner.resident_id)
    return found


def newly_qualified(learners: list[Learner]) -> list[Learner]:
    """The job page's "新符合条件": those who came to hold the level since the job was posted, newest first."""
    return sorted((x for x in learners if x.new), key=lambda x: x.qualified_at, reverse=True)


def request_contact(job: Job, resident_id: int, actor: User, today: dt.date) -> ContactRequest:
    """Ask to be put in touch with a listed learner who fits the job; asking again changes nothing."""
    # the one learner asked about, by the rule of learners_for (not the whole list built again)
    if not learning.listed(resident_id) or _holding_for(job, resident_id, today) is None:
        raise JobError("not_listed")
    found = db.session.scalar(
        select(ContactRequest).where(ContactRequest.job_id == job.id, ContactRequest.resident_id == resident_id)
    )
    if found is not None:
        return found
    request = ContactRequest(job_id=job.id, resident_id=resident_id, requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    staff.audit(actor, "contact.request", "contact_request", request.id, resident_id=resident_id, job=job.id)
    return request


def mark_hired(request: ContactRequest, actor: User, day: dt.date) -> bool:
    """The enterprise took the learner on (only after they agreed to be in touch)."""
    if request.status != ContactStatus.ACCEPTED:
        return False
    request.status, request.hired_on = ContactStatus.HIRED, day
    staff.audit(actor, "contact.hired", "contact_request", request.id, resident_id=request.resident_id)
    db.session.flush()
    return True
