"""The sign-up step every way in shares — the public pages, the 长辈版 and a worker signing a
resident up: show a class with its due lottery drawn, check, take the write lock, enrol; and the
receipt and cancelling that follow.

The operations in app.services.enrolment add and flush. This step also places the edges of a
sign-up's transactions, the same for every view:
- a lottery whose window has closed is drawn on first sight of its class or of a receipt for it,
  in a short write of its own committed at once (also by `flask run-draws`, and by the next
  sign-up, inside its own write);
- a sign-up is checked in a read and then begins again as a writer (SQLite: BEGIN IMMEDIATE, see
  app.db.begin_write), so the write lock is held for the sign-up alone. A sign-up made is left
  for the route to commit, once, with whatever the route adds (the worker's audit entry); a
  sign-up refused is rolled back here and the class is read again for its page.

Arguments are plain values: the route turns its form into a `Submission`, and passes how to link
to the receipt it shows (the text message carries that link).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields

from sqlalchemy.orm.attributes import set_committed_value

from app import clock
from app.db import begin_write
from app.extensions import db
from app.models import Enrolment, Offering, Session
from app.services import catalogue, incentives
from app.services import enrolment as enrolment_service
from app.services.enrolment import Actor, EnrolmentError
from app.services.residents import Person


@dataclass(frozen=True)
class Submission:
    """A sign-up form that passed its checks, as plain values."""

    person: Person
    actor: Actor
    submission_id: str


@dataclass
class Attempt:
    """A class's sign-up page after a GET or a POST: the class as the page shows it, and either the
    enrolment made or why there is none (`problem`: closed | past_deadline | already_enrolled)."""

    offering: Offering
    enrolment: Enrolment | None = None
    problem: str | None = None


def _draw_now(offering_id: int) -> None:
    """Draw a due lottery in a write transaction of its own, committed at once."""
    db.session.rollback()  # end the read; the draw writes, so it begins as a writer
    begin_write()
    enrolment_service.draw_if_due(db.session.get(Offering, offering_id))
    db.session.commit()


def class_page(offering_id: int) -> Offering | None:
    """A class with everything its pages show (see catalogue.get_offering), its lottery drawn first
    if the window has closed; None for no such class."""
    offering = catalogue.get_offering(offering_id)
    if offering is None or not enrolment_service.draw_due(offering):
        return offering
    if enrolment_service.draw_in_worker_if_large(offering):
        db.session.commit()  # hands the draw over; the page shows the window closed meanwhile
        return catalogue.get_offering(offering_id)
    _draw_now(offering_id)
    return catalogue.get_offering(offering_id)


def signup_page(offering_id: int) -> Attempt | None:
    """The sign-up page before anything is sent: the class, and why it takes no sign-ups, if so."""
    offering = class_page(offering_id)
    if offering is None:
        return None
    return Attempt(offering, problem=offering.signup_problem(clock.today()))


def sign_up(offering_id: int, submission: Submission | None, receipt_link: Callable[[str], str]) -> Attempt | None:
    """Sign up for a class with `submission` (None: the form was not sent, or not valid; the page is
    shown). `receipt_link(ref)` is the receipt's address for the text message. None for no such
    class. A sign-up made is not committed: the route commits it."""
    if submission is None:
        return signup_page(offering_id)
    if not 0 < offering_id <= catalogue.MAX_ID:
        return None
    db.session.rollback()
    begin_write()
    offering = db.session.get(Offering, offering_id)  # only the class row: a sign-up needs no more
    if offering is None:
        db.session.rollback()
        return None
    try:
        enrolment = enrolment_service.enrol(
            offering,
            submission.person,
            submission_id=submission.submission_id,
            actor=submission.actor,
            receipt_link=receipt_link,
        )
    except EnrolmentError as error:
        db.session.rollback()
        page = signup_page(offering_id)
        if page is not None:
            page.problem = error.code
        return page
    return Attempt(offering, enrolment=enrolment)


@dataclass
class Receipt:
    """What a receipt page shows, public or 长辈版."""

    enrolment: Enrolment
    offering: Offering
    today: dt.date
    position: int | None  # on the waitlist
    first_session: Session | None
    intents: int | None  # a group class's count so far
    entries: int | None  # an undrawn lottery's entries
    # What the policies give back for this class, from what the resident's record says (the plan's facts).
    subsidy: incentives.Estimate | None = None

    def context(self) -> dict:
        """The template's variables."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _receipt_enrolment(ref: str) -> Enrolment | None:
    """A sign-up by its reference with its class as catalogue.get_offering loads it: one query
    for the sign-up, one for the class and all its page shows."""
    enrolment = enrolment_service.find(ref)
    if enrolment is not None:
        # Set as loaded (no change to write): the session keeps rows only while something refers to
        # them, so a class loaded and let go would be asked for again, row by row, by .offering.
        set_committed_value(enrolment, "offering", catalogue.get_offering(enrolment.offering_id))
    return enrolment


def receipt(ref: str) -> Receipt | None:
    """A sign-up's receipt, its class's lottery drawn first if the window has closed; None for an
    unknown reference."""
    enrolment = _receipt_enrolment(ref)
    if enrolment is None:
        return None
    if enrolment_service.draw_due(enrolment.offering):
        _draw_now(enrolment.offering_id)
        enrolment = _receipt_enrolment(ref)
    offering, today = enrolment.offering, clock.today()
    return Receipt(
        enrolment=enrolment,
        offering=offering,
        today=today,
        position=enrolment_service.waitlist_position(enrolment),
        first_session=catalogue.next_session(offering, today),
        intents=enrolment_service.intent_count(offering),
        entries=enrolment_service.lottery_entries(offering),
        subsidy=incentives.estimate(offering.programme, incentives.facts_of(enrolment.resident)),
    )


def cancel(ref: str) -> Enrolment | None:
    """Cancel a sign-up by its receipt's reference (once: a second time changes nothing), as a
    writer from the start; None for an unknown reference. The route commits."""
    begin_write()
    enrolment = enrolment_service.find(ref)
    if enrolment is not None:
        enrolment_service.cancel(enrolment)
    return enrolment
