"""Job push (issue 17, following issue 16's contact rules): a job posted, reopened or wanting more
people is told to the residents who hold what it asks for, once.

The rule, in one place (app.services.push is its model, for classes):
  who     every resident the job fits by the job match's own rules (jobs.for_resident: they hold the
          occupation at the level it wants or above — jobs.holds_enough —, it is near home, and they
          have not withdrawn consent to be profiled). One record per resident and job, ever: posting
          again, reopening or raising the headcount tells nobody twice.
  text    one "有适合您的工作" text with a link to their work page and a one-tap stop link, when
          `may_push` (they agreed to be contacted, have not withdrawn it, have not pressed a job
          text's stop link) and they had no push text — of a class or a job — in the last WEEK.
          Otherwise the job is on their work page only ("告诉过您的工作").
  when    after the change commits, in the message worker (Huey), in batches of push.BATCH residents,
          each its own short write transaction.
  stop    one stop per kind of text: a job text's stop link stops job texts; a class text's stops
          class texts (the stop pages say so).

The enterprise gets no text: a learner who comes to hold what its job wants shows on its job page as
new (jobs.learners_for, opted-in and masked)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from app import clock, messages
from app.extensions import db
from app.models import (
    ClaimKind,
    ClaimStatus,
    ContactRequest,
    ContactStatus,
    Job,
    JobPush,
    JobPushReason,
    JobStatus,
    LearningClaim,
    MessageKind,
    Outcome,
    OutcomeKind,
    Resident,
)
from app.services import jobs, learning, privacy, push, vocabulary

log = logging.getLogger("xuehou.job_push")

PENDING = messages.JOB_PUSHES  # session.info key: (job id, reason) to hand to the worker


def may_push(resident: Resident) -> bool:
    """May we text this resident about a job? The class push's agreement (push.may_push: they agreed
    to be contacted when they told us what they want to learn, and have not withdrawn it), and they
    have not pressed the stop link of an earlier job text."""
    if resident.job_push_stopped_at is not None:
        return False
    if not privacy.may_contact(resident):
        return False
    return any(need.source in push.CONTACT_SOURCES for need in resident.needs)


def announce(job_id: int, reason: JobPushReason) -> None:
    """A job was posted, reopened or wants more people: once this transaction commits, the worker
    tells the residents it fits. The one call jobs.post and jobs.change make."""
    db.session.info.setdefault(PENDING, []).append((job_id, str(reason)))


def _candidates(job: Job) -> list[Resident]:
    """The residents the job could fit, narrowed in SQL (a certificate on record, near home or town
    unknown, profiling allowed, not told of it yet); jobs.holds_enough decides each."""
    lexicon = vocabulary.lexicon()
    near = [t for t in lexicon.positions if (lexicon.km(job.town_id, t) or 99) <= vocabulary.NEAR_KM]
    has_outcome = exists().where(Outcome.resident_id == Resident.id, Outcome.kind == OutcomeKind.CERTIFICATE)
    has_claim = exists().where(
        LearningClaim.resident_id == Resident.id,
        LearningClaim.kind == ClaimKind.CERTIFICATE,
        LearningClaim.status == ClaimStatus.ACCEPTED,
    )
    told = exists().where(JobPush.resident_id == Resident.id, JobPush.job_id == job.id)
    query = (
        select(Resident)
        .where(
            Resident.profiling_withdrawn_at.is_(None),
            Resident.erased_at.is_(None),
            or_(Resident.town_id.is_(None), Resident.town_id.in_([job.town_id, *near])),
            or_(has_outcome, has_claim),
            ~told,
        )
        .options(selectinload(Resident.needs))  # may_push reads them
        .order_by(Resident.id)
    )
    return list(db.session.scalars(query))


def fitting(job: Job, today: dt.date) -> list[Resident]:
    """The residents this job would be told to now, by the job match's rules."""
    if job.status != JobStatus.OPEN:
        return []
    lexicon = vocabulary.lexicon()
    residents = _candidates(job)
    held = learning.holdings_of([r.id for r in residents], today)
    found = []
    for resident in residents:
        holding = held.get(resident.id, {}).get(job.occupation)
        if holding is None or not jobs.holds_enough(job, holding) or not jobs.is_near(resident, job, lexicon):
            continue
        found.append(resident)
    return found


@dataclass
class Result:
    recorded: int = 0
    texted: int = 0


def run(job_id: int, reason: str) -> Result:
    """The worker's side: find the residents (reads only), then record and text them push.BATCH at a
    time, each batch a short write transaction of its own."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:
        return Result()
    resident_ids = [r.id for r in fitting(job, clock.today())]
    db.session.rollback()
    result = Result()
    for resident_id in push.in_batches(resident_ids):
        _record(resident_id, db.session.get(Job, job_id), reason, result)
    return result


def _record(resident_id: int, job: Job, reason: str, result: Result) -> None:
    if job is None or job.status != JobStatus.OPEN:
        return
    resident = push._lock_resident(resident_id)  # two pushes at once still text a person once a week
    if not privacy.may_profile(resident):  # withdrew it since the worker looked
        return
    told = select(JobPush.id).where(JobPush.resident_id == resident.id, JobPush.job_id == job.id)
    if db.session.scalar(told) is not None:
        return
    now = clock.utcnow()
    texted = may_push(resident) and not push.texted_within_week(resident.id, now)  # either kind
    row = JobPush(ref=secrets.token_urlsafe(16), resident_id=resident.id, job_id=job.id, reason=reason, texted=texted)
    db.session.add(row)
    if texted:
        row.message_id = _text(resident, job, row).id
        result.texted += 1
    result.recorded += 1
    db.session.flush()


def _text(resident: Resident, job: Job, row: JobPush):
    from app.templating import external_url

    try:
        link = external_url("me.work")
        stop = external_url("jobs.stop", ref=row.ref)
    except RuntimeError:  # no request and no PUBLIC_URL
        link = stop = ""
    return messages.queue(
        resident.phone,
        "new_job",
        MessageKind.OFFER,  # an offer: queued only while they agree to be contacted
        resident_id=resident.id,
        title=job.title,
        town=job.town.name if job.town else "",
        pay=f"{job.pay_min}–{job.pay_max}" if job.pay_max != job.pay_min else str(job.pay_min),
        link=link,
        stop=stop,
    )


REF = re.compile(r"[A-Za-z0-9_-]{1,32}")  # secrets.token_urlsafe(16): anything else is no stop link


def by_ref(ref: str) -> JobPush | None:
    if not REF.fullmatch(ref or ""):  # a NUL, too long: PostgreSQL would refuse the query
        return None
    return db.session.scalar(select(JobPush).where(JobPush.ref == ref))


def stop(row: JobPush) -> bool:
    """The stop link: no more job texts to this resident (class texts have their own stop). Pressing
    it twice changes nothing. Returns True the first time."""
    resident = push._lock_resident(row.resident_id)
    if resident.job_push_stopped_at is not None:
        return False
    resident.job_push_stopped_at = clock.utcnow()
    db.session.flush()
    return True


def for_resident(resident_id: int) -> list[JobPush]:
    """The jobs this resident was told of, newest first (their work page: 告诉过您的工作)."""
    return list(
        db.session.scalars(
            select(JobPush)
            .where(JobPush.resident_id == resident_id)
            .options(selectinload(JobPush.job))
            .order_by(JobPush.created_at.desc(), JobPush.id.desc())
            .limit(10)
        )
    )


def agreed_after():
    """A job push followed by the person told agreeing to be put in touch with that job's enterprise."""
    return exists().where(
        ContactRequest.resident_id == JobPush.resident_id,
        ContactRequest.job_id == JobPush.job_id,
        ContactRequest.status.in_((ContactStatus.ACCEPTED, ContactStatus.HIRED)),
        ContactRequest.answered_at >= JobPush.created_at,
    )


@dataclass
class Counts:
    told: int  # people told of a job that fits them (text or work page)
    texted: int  # people of those who got a text
    in_touch: int  # people who then agreed to be put in touch with the enterprise of a job they were told of


def counts() -> Counts:
    """The dashboard's job push figures, in people, from the job push records."""
    return Counts(*push.people_told(JobPush, agreed_after()))


def hand_over(session) -> None:
    """After a commit: each announced job to the worker (messages._after_commit calls this)."""
    from app.messages import tasks

    push.hand_pending(session, PENDING, tasks.job_push_task, "job")
