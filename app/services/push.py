"""Push (issue 16): a class that opens, reopens or gets free places is told to the people whose
open need it fits, once.

The rule, in one place:
  who     every open need (new or matched, not yet enrolled or completed) that the class fits by the
          plan's own rules (matching.fits: teaches what they asked for, they can enter it, in their
          town or a neighbouring one, on a day that suits them, a place left), unless the resident
          already holds or waits for a place in it. One record per need and class, ever: publishing
          again, reopening or freeing a seat tells nobody twice.
  text    one "有您想学的课了" text with a sign-up link and a one-tap stop link, when `may_push`
          (they agreed to be contacted, and have not stopped) and they had no push text (of a class
          or a job, app.services.job_push) in the last WEEK. Otherwise the push is on their plan
          page only ("新开的课：…").
  when    after the change commits, in the message worker (Huey), in batches of BATCH needs, each
          its own short write transaction: no request holds the write lock for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from app import clock, messages
from app.db import begin_write
from app.extensions import db
from app.models import (
    Enrolment,
    JobPush,
    MessageKind,
    Need,
    NeedSource,
    NeedStatus,
    Offering,
    Push,
    PushReason,
    Resident,
)
from app.services import matching, privacy, vocabulary

log = logging.getLogger("xuehou.push")

WEEK = dt.timedelta(days=7)  # at most one push text per person in any seven days
BATCH = 200  # needs recorded per write transaction in the worker
OPEN_NEED = (NeedStatus.NEW, NeedStatus.MATCHED)
CONTACT_SOURCES = (NeedSource.SELF, NeedSource.ASSISTED)  # the need form's "…并由老师联系我" was ticked
PENDING = messages.PUSHES  # session.info key: (offering id, reason) to hand to the worker
SIGNED = ("confirmed", "waitlisted", "received", "intent", "completed")


def may_push(resident: Resident) -> bool:
    """May we text this resident about a new class? They agreed to be contacted when they told us
    what they want to learn (the need form's consent "…并由老师联系我", online or to a community
    worker; a survey or an imported list is not that agreement), and they have not pressed the stop
    link of an earlier text. The one consent check of the push: extend it here."""
    if resident.push_stopped_at is not None:
        return False
    if not privacy.may_contact(resident):  # consent withdrawn at /me/data, or their data erased
        return False
    return any(need.source in CONTACT_SOURCES for need in resident.needs)


def texted_within_week(resident_id: int, now: dt.datetime) -> bool:
    """Did they get a push text — of a new class, or of a job (app.services.job_push) — in the last
    WEEK? The once-a-week rule, for both kinds together."""
    since = now - WEEK
    classes = select(Push.id).where(Push.resident_id == resident_id, Push.texted.is_(True), Push.created_at > since)
    job_texts = select(JobPush.id).where(
        JobPush.resident_id == resident_id, JobPush.texted.is_(True), JobPush.created_at > since
    )
    return db.session.scalar(classes.union_all(job_texts).limit(1)) is not None


def announce(offering_id: int, reason: PushReason) -> None:
    """A class was published, reopened or got free places: once this transaction commits, the
    worker tells the needs it fits. The one call the class service (form and import) and a
    cancelled sign-up make."""
    db.session.info.setdefault(PENDING, []).append((offering_id, str(reason)))


def _reachable_towns(town_id: int, lexicon: vocabulary.Lexicon) -> list[int]:
    """The class's town and those within vocabulary.NEAR_KM of it (the plan's "邻近")."""
    near = [t for t in lexicon.positions if t != town_id and (lexicon.km(town_id, t) or 99) <= vocabulary.NEAR_KM]
    return [town_id, *near]


def candidates(offering: Offering) -> list[Need]:
    """The open needs a class could fit, narrowed in SQL (kind, town within reach, days, not yet told
    of it, not already signed up to it); matching.fits decides each."""
    lexicon = vocabulary.lexicon()
    town = func.coalesce(Need.town_id, Resident.town_id)
    told = exists().where(Push.need_id == Need.id, Push.offering_id == offering.id)
    signed = exists().where(
        Enrolment.resident_id == Need.resident_id, Enrolment.offering_id == offering.id, Enrolment.status.in_(SIGNED)
    )
    query = (
        select(Need)
        .join(Resident, Resident.id == Need.resident_id)
        .where(
            Need.kind == offering.kind,
            Need.status.in_(OPEN_NEED),
            town.in_(_reachable_towns(offering.town_id, lexicon)),
            or_(Need.weekdays == "", Need.weekdays.like(f"%{offering.weekday}%")),
            ~told,
            ~signed,
        )
        .options(selectinload(Need.resident).selectinload(Resident.needs))  # fits and may_push read them
        .order_by(Need.created_at, Need.id)
    )
    return list(db.session.scalars(query))


def fitting(offering: Offering, today: dt.date) -> list[Need]:
    """The needs this class would be pushed to now (by matching.fits)."""
    lexicon = vocabulary.lexicon()
    cache: dict = {}
    return [n for n in candidates(offering) if matching.fits(offering.id, n, today, lexicon, cache)]


@dataclass
class Result:
    recorded: int = 0
    texted: int = 0


def run(offering_id: int, reason: str) -> Result:
    """The worker's side: find the needs (reads only), then record and text them BATCH at a time,
    each batch a short write transaction of its own."""
    db.session.rollback()
    offering = db.session.get(Offering, offering_id)
    if offering is None:
        return Result()
    need_ids = [n.id for n in fitting(offering, clock.today())]
    db.session.rollback()
    result = Result()
    for need_id in in_batches(need_ids):
        _record(db.session.get(Need, need_id), db.session.get(Offering, offering_id), reason, result)
    return result


def in_batches(ids: list[int]):
    """Each of `ids`, BATCH at a time inside a short write transaction of its own (committed after
    the batch): the worker's loop for class and job pushes, so no request waits long on the lock."""
    for start in range(0, len(ids), BATCH):
        begin_write()
        yield from ids[start : start + BATCH]
        db.session.commit()


def _lock_resident(resident_id: int) -> Resident:
    query = select(Resident).where(Resident.id == resident_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update()  # two classes pushed at once still text a person once a week
    return db.session.scalars(query.execution_options(populate_existing=True)).one()


def _record(need: Need, offering: Offering, reason: str, result: Result) -> None:
    if need is None or need.status not in OPEN_NEED:
        return
    resident = _lock_resident(need.resident_id)
    now = clock.utcnow()
    texted = may_push(resident) and not texted_within_week(resident.id, now)
    # Under the resident's lock (PostgreSQL) or the write lock (SQLite): told already is final. No
    # SAVEPOINT here: releasing one would hand the texts queued so far to the worker mid-transaction.
    told = select(Push.id).where(Push.need_id == need.id, Push.offering_id == offering.id)
    if db.session.scalar(told) is not None:
        return
    push = Push(resident_id=resident.id, need_id=need.id, offering_id=offering.id, reason=reason, texted=texted)
    db.session.add(push)
    if need.status == NeedStatus.NEW:
        need.status = NeedStatus.MATCHED  # a class fits it now
    if texted:
        push.message_id = _text(resident, need, offering).id
        result.texted += 1
    result.recorded += 1
    db.session.flush()


def _text(resident: Resident, need: Need, offering: Offering):
    from app.templating import external_url

    try:
        link = external_url("signup.signup", offering_id=offering.id, need=need.ref)
        stop = external_url("needs.stop", ref=need.ref)
    except RuntimeError:  # no request and no PUBLIC_URL
        link = stop = ""
    return messages.queue(
        resident.phone,
        "new_class",
        MessageKind.OFFER,  # not about their own sign-ups: queued only while they agree to be contacted
        resident_id=resident.id,
        name=offering.title,
        town=offering.town.name if offering.town else "",
        link=link,
        stop=stop,
    )


def stop(need: Need) -> bool:
    """The stop link: no more push texts to this need's resident. Pressing it twice changes nothing.
    Returns True the first time."""
    resident = _lock_resident(need.resident_id)
    if resident.push_stopped_at is not None:
        return False
    resident.push_stopped_at = clock.utcnow()
    db.session.flush()
    return True


def for_need(need: Need) -> list[Push]:
    """The classes this need was told of, newest first (its plan page: 新开的课)."""
    return list(
        db.session.scalars(
            select(Push).where(Push.need_id == need.id).order_by(Push.created_at.desc(), Push.id.desc()).limit(10)
        )
    )


def signed_up_after(*where):
    """A push that was followed by a sign-up to its class by the person told."""
    return exists().where(
        Enrolment.resident_id == Push.resident_id,
        Enrolment.offering_id == Push.offering_id,
        Enrolment.created_at >= Push.created_at,
        *where,
    )


@dataclass
class Counts:
    told: int  # people told of a class that fits (text or plan page)
    texted: int  # people of those who got a text
    signed_up: int  # people who then signed up to a class they were told of


def counts() -> Counts:
    """The dashboard's push figures, in people, from the push records."""
    return Counts(*people_told(Push, signed_up_after()))


def people_told(model, followed_by) -> tuple[int, int, int]:
    """Of a push record `model` (Push, JobPush): the people told, texted, and whose record meets
    `followed_by` (what they did afterwards), in one statement."""
    people = lambda *where: select(func.count(func.distinct(model.resident_id))).where(*where).scalar_subquery()  # noqa: E731
    row = db.session.execute(select(people(), people(model.texted.is_(True)), people(followed_by))).one()
    return tuple(int(n or 0) for n in row)


def hand_over(session) -> None:
    """After a commit: each announced class to the worker (messages._after_commit calls this)."""
    from app.messages import tasks

    hand_pending(session, PENDING, tasks.push_task, "offering")


def hand_pending(session, key: str, task, what: str) -> None:
    """Give each (id, reason) the transaction left under session.info[key] to the worker's `task`,
    once each; a queue that is down loses that push (logged for staff), never the commit."""
    for item_id, reason in dict.fromkeys(session.info.pop(key, None) or ()):
        try:
            task(item_id, reason)
        except Exception:
            log.exception("could not enqueue the push of %s %s", what, item_id)
