"""What is taught (Programme), each class of it (Offering) and its meetings (Session).

Kinds and levels are words of app.vocabulary."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    or_,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from app.extensions import db
from app.models.checks import one_of
from app.models.place import Institution, Town
from app.models.versioned import version_column
from app.vocabulary import Kind

# A community class's audience that leaves no one out: none given, or one of these words.
OPEN_AUDIENCES = ("", "所有人", "不限")


class Allocation(StrEnum):
    FIRST_COME = "first_come"
    LOTTERY = "lottery"  # 摇号: sign-ups in a window are equal; a recorded, seeded draw allocates


class OfferingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Programme(db.Model):
    """A degree major, a vocational certificate course or a community class, at one institution."""

    __tablename__ = "programmes"
    __table_args__ = (
        UniqueConstraint("institution_id", "name", name="uq_programmes_institution_name"),
        one_of("kind", Kind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    # The English (or pinyin) name the English pages show; "": they show `name`.
    name_en: Mapped[str] = mapped_column(String(160), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # degree
    degree_level: Mapped[str | None] = mapped_column(String(8))
    major: Mapped[str | None] = mapped_column(String(60))
    years: Mapped[float | None]
    tuition: Mapped[int | None]  # yuan, the whole programme
    # skill
    certificate: Mapped[str | None] = mapped_column(String(60))
    cert_level: Mapped[str | None] = mapped_column(String(8))
    # community
    audience: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = version_column()

    institution: Mapped[Institution] = relationship(back_populates="programmes")
    offerings: Mapped[list[Offering]] = relationship(back_populates="programme")

    def __repr__(self) -> str:
        return f"<Programme {self.kind} {self.name}>"


class Offering(db.Model):
    """A class (开班): one programme, taught at a place on a weekly pattern between two dates."""

    __tablename__ = "offerings"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("capacity >= 0", name="capacity"),
        CheckConstraint("seats_taken >= 0", name="seats_taken"),
        one_of("status", OfferingStatus),
        CheckConstraint("end_date >= start_date", name="dates"),
        one_of("allocation", Allocation),
        CheckConstraint("min_to_open IS NULL OR min_to_open > 0", name="min_to_open"),
        CheckConstraint("min_attendance IS NULL OR min_attendance BETWEEN 1 AND 100", name="min_attendance"),
        Index("ix_offerings_catalogue", "status", "end_date", "weekday", "start_time"),
        # The dashboard's supply aggregates and the "no class within reach" test: by kind and town.
        Index("ix_offerings_kind_town_status", "kind", "town_id", "status", "end_date"),
        # A search finds its keys in search_keys, then the classes with those keys here.
        Index("ix_offerings_search_key", "search_key"),
        # The catalogue's page of classes taking sign-ups, read in order (start, then id) among the open
        # ones, the deadline and end checked from the index itself: no sort of every match.
        Index(
            "ix_offerings_listing", "status", "start_date", "weekday", "start_time", "id", "signup_deadline", "end_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The institution's own code for the class: the key a spreadsheet re-import updates by.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    # Denormalised for filtering the catalogue without a join.
    kind: Mapped[str] = mapped_column(String(12), index=True)
    place: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    weekday: Mapped[int]  # ISO: 1 = Monday … 7 = Sunday; the first day of the week it meets
    # Every weekday a class meeting more than once a week meets, e.g. "2,4" (Tuesday and Thursday);
    # "": only `weekday`. Read it as `days`; set both with `set_days`.
    weekdays: Mapped[str] = mapped_column(String(20), default="", server_default="")
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0)
    fee: Mapped[int] = mapped_column(default=0)  # yuan, what the learner pays for the class
    signup_deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=OfferingStatus.OPEN)
    senior_friendly: Mapped[bool] = mapped_column(default=False, index=True)
    # How places are given: first come (the default) or a lottery drawn when the window closes.
    allocation: Mapped[str] = mapped_column(
        String(12), default=Allocation.FIRST_COME, server_default=Allocation.FIRST_COME.value
    )
    lottery_closes_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The draw's record, so anyone can repeat it: random.Random(seed) over the entries in id order.
    draw_seed: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    draw_entries: Mapped[int | None]
    # Group classes (组班): intent sign-ups until this many; then the class opens and the institution is told.
    min_to_open: Mapped[int | None]
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # 结业 needs this share (per cent) of the sessions held so far attended; None: no attendance rule.
    min_attendance: Mapped[int | None]
    institution_notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Chinese text, full pinyin and initials of the programme, institution, town and place.
    search_key: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = version_column()

    programme: Mapped[Programme] = relationship(back_populates="offerings")
    institution: Mapped[Institution] = relationship(back_populates="offerings")
    town: Mapped[Town] = relationship()
    sessions: Mapped[list[Session]] = relationship(
        back_populates="offering", order_by="Session.date", cascade="all, delete-orphan"
    )

    # Rules asked by every query, service and template. Each hybrid is one expression: on an
    # instance its comparisons are Python bools (and `&` of bools is a bool), on the class they are
    # SQL clauses (and `&` is AND), so `Offering.open_for_signup(today)` goes into a WHERE and
    # `offering.open_for_signup(today)` into an `if`.

    @hybrid_method
    def open_for_signup(self, today: dt.date):
        """Taking sign-ups on `today`: open, and the sign-up deadline not passed."""
        return (self.status == OfferingStatus.OPEN) & (self.signup_deadline >= today)

    @hybrid_method
    def still_running(self, today: dt.date):
        """Not cancelled and not ended by `today` (classes still to start count)."""
        return (self.status != OfferingStatus.CANCELLED) & (self.end_date >= today)

    def signup_problem(self, today: dt.date) -> str | None:
        """Why this class takes no sign-ups on `today` (closed | past_deadline), or None: the reasons
        behind open_for_signup, as the sign-up service and the seat badges say them."""
        if self.open_for_signup(today):
            return None
        return "closed" if self.status != OfferingStatus.OPEN else "past_deadline"

    @classmethod
    def for_elders(cls):
        """A community class a senior can join: marked 适合长辈, or open to everyone (no audience, 所有人,
        不限) or meant for 长辈. A clause on Offering and Programme: use it with listing() (or join
        the programme)."""
        audience = func.coalesce(Programme.audience, "")
        return (cls.kind == Kind.COMMUNITY) & or_(
            cls.senior_friendly.is_(True), audience.in_(OPEN_AUDIENCES), audience.like("长辈%")
        )

    @classmethod
    def listing(cls) -> Select[tuple[Offering]]:
        """select(Offering) joined to the programme, institution and town that a list of classes
        shows, all loaded by the same query (no N+1): the catalogue, the timetable, the 长辈版 list
        and a plan's suggestions start here and add their own WHERE and ORDER BY."""
        return (
            select(cls)
            .join(cls.programme)
            .join(cls.institution)
            .join(cls.town)
            .options(contains_eager(cls.programme), contains_eager(cls.institution), contains_eager(cls.town))
        )

    @property
    def days(self) -> list[int]:
        """The ISO weekdays it meets on, in order: [2, 4] for Tuesday and Thursday."""
        listed = sorted({int(d) for d in self.weekdays.split(",") if d.isdecimal() and 1 <= int(d) <= 7})
        return listed or [self.weekday]

    @staticmethod
    def day_columns(days) -> dict:
        """`weekday` and `weekdays` for meeting on these ISO weekdays (one or several)."""
        listed = sorted(set(days))
        return {"weekday": listed[0], "weekdays": ",".join(map(str, listed)) if len(listed) > 1 else ""}

    @hybrid_method
    def meets_on(self, weekday: int):
        """Meets on ISO `weekday` (its first day or one of its others): a WHERE clause or a bool."""
        if isinstance(self, type):
            return (self.weekday == weekday) | self.weekdays.contains(str(weekday))
        return weekday in self.days

    def status_code(self, today: dt.date) -> str:
        """What the class list says of it on `today`: open (报名中), full (已满), past_deadline
        (报名截止), or its status (closed, cancelled). Open for sign-up means open_for_signup; a
        first-come class with no places left is full (a lottery or group class still takes sign-ups)."""
        if self.status != OfferingStatus.OPEN:
            return self.status
        if not self.open_for_signup(today):
            return "past_deadline"
        if self.seats_left == 0 and not self.is_lottery and not self.awaiting_threshold:
            return "full"
        return OfferingStatus.OPEN

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_lottery(self) -> bool:
        return self.allocation == Allocation.LOTTERY

    @property
    def is_group_class(self) -> bool:
        return self.min_to_open is not None

    @property
    def awaiting_threshold(self) -> bool:
        """A group class still collecting intent sign-ups."""
        return self.min_to_open is not None and self.opened_at is None

    @property
    def title(self) -> str:
        return self.programme.name

    def __repr__(self) -> str:
        return f"<Offering {self.code}>"


class SearchKey(db.Model):
    """Each distinct Offering.search_key once: a search scans these (one per programme, institution,
    town and place — a term's classes repeat them) instead of every class, then finds the classes by
    the index on offerings.search_key. Filled by the database itself: a trigger on offerings adds
    every new or changed key (migration 0017_search), whichever way the class was written. Keys no
    class has any more stay, and match nothing."""

    __tablename__ = "search_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    MOVED = "moved"
    CANCELLED = "cancelled"


class Session(db.Model):
    """One meeting of a class. A single meeting can be moved or cancelled."""

    __tablename__ = "sessions"
    __table_args__ = (
        one_of("status", SessionStatus),
        UniqueConstraint("offering_id", "seq", name="uq_sessions_offering_seq"),
        # The 长辈版's "today" and "this week": the meetings of a few days, by date and time.
        Index("ix_sessions_date", "date", "start_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offerings.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]  # 1, 2, 3 … within the class
    date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(String(200))  # None: the class's usual place
    status: Mapped[str] = mapped_column(String(12), default=SessionStatus.SCHEDULED)
    original_date: Mapped[dt.date | None] = mapped_column(Date)  # set when moved
    note: Mapped[str] = mapped_column(String(200), default="")
    # When the day-before reminder was queued (app.messages.reminders); cleared when the meeting moves.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    offering: Mapped[Offering] = relationship(back_populates="sessions")

    @classmethod
    def listing(cls) -> Select[tuple[Session]]:
        """select(Session) with its class and what a list of classes shows (Offering.listing()'s
        joins), all loaded by the same query: the 长辈版's "today" and "this week" start here."""
        return (
            select(cls)
            .join(cls.offering)
            .join(Offering.programme)
            .join(Offering.institution)
            .join(Offering.town)
            .options(
                contains_eager(cls.offering).options(
                    contains_eager(Offering.programme),
                    contains_eager(Offering.institution),
                    contains_eager(Offering.town),
                )
            )
        )

    @hybrid_method
    def not_ended(self, moment: dt.datetime):
        """Held on `moment`'s day or later, and not over by `moment` (county time, naive in the column)."""
        day, time = moment.date(), moment.time().replace(tzinfo=None)
        return (self.date > day) | ((self.date == day) & (self.end_time > time))

    @property
    def cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def where(self) -> str:
        return self.place or self.offering.place
