"""The catalogue of classes: filtering, paging, one class, the weekly timetable."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func, insert, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Institution, Offering, OfferingStatus, Programme, SearchKey, Session, SessionStatus, Town
from app.services import search, vocabulary
from app.services.schedule import weekly_dates

MAX_PAGE = 10_000
MAX_ID = 2**31 - 1  # PostgreSQL integer


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str | None = None
    town_id: int | None = None
    weekday: int | None = None
    senior: bool = False

    @property
    def terms(self) -> list[str]:
        return search.query_terms(self.q)

    @property
    def active(self) -> bool:
        return bool(self.terms or self.kind or self.town_id or self.weekday or self.senior)


@dataclass
class Page:
    items: list[Offering]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def beyond_end(self) -> bool:
        return self.page > self.pages


def towns() -> list[Town]:
    return list(db.session.scalars(select(Town).order_by(Town.sort_order, Town.id)))


def find_town(value: str | int | None) -> Town | None:
    """A town by id or by exact name (the URL and form contract accept either)."""
    if value is None or value == "":
        return None
    text = search.normalise(str(value))
    if "\x00" in text:  # no town has one, and PostgreSQL refuses it in a query
        return None
    if text.isdecimal() and len(text) < 10:
        return db.session.get(Town, int(text))
    return db.session.scalar(select(Town).where(Town.name == text))


def _filtered(filters: Filters, today: dt.date):
    conditions = [Offering.still_running(today)]
    if filters.kind:
        conditions.append(Offering.kind == filters.kind)
    if filters.town_id:
        conditions.append(Offering.town_id == filters.town_id)
    if filters.weekday:
        conditions.append(Offering.meets_on(filters.weekday))
    if filters.senior:
        conditions.append(Offering.senior_friendly.is_(True))
    for words in _term_words(filters):
        conditions.append(has_words(words))
    return conditions


def _term_words(filters: Filters) -> list[list[str]]:
    """Each query term with the programmes it means: 毛笔字 finds 书法, 电工上岗证 finds 电工."""
    if not filters.terms:
        return []
    lexicon = vocabulary.lexicon()
    return [list(dict.fromkeys([term, *lexicon.programmes(term, filters.kind)])) for term in filters.terms]


def has_words(words: list[str]):
    """Classes whose search key holds any of `words`. The LIKE runs over the distinct keys
    (SearchKey: one per programme, institution, town and place), not over every class; the classes
    are then found by the index on their key, so a search's cost follows what it finds."""
    keys = select(SearchKey.key).where(or_(*(SearchKey.key.like(search.like_pattern(w)) for w in words)))
    return Offering.search_key.in_(keys)


def relevance(filters: Filters):
    """0 is best: per term, a whole name (its characters, full pinyin or initials) that is the term
    itself 0, one that is a programme the term means (an alias: 毛笔字 → 书法) 1, a part of a name 2;
    added up over the terms."""
    ranks = []
    for term, *aliases in _term_words(filters):
        exact = Offering.search_key.like(f"%|{term}|%")
        alias = or_(*(Offering.search_key.like(f"%|{a}|%") for a in aliases)) if aliases else None
        whens = [(exact, 0), *([(alias, 1)] if alias is not None else [])]
        ranks.append(case(*whens, else_=2))
    return sum(ranks[1:], ranks[0]) if ranks else None


def matching(filters: Filters, today: dt.date) -> list:
    """The conditions of a catalogue search (the list, the timetable and a worker's kept copy)."""
    return _filtered(filters, today)


def find_offerings(filters: Filters, page: int, per_page: int, today: dt.date) -> Page:
    """One page of matching classes: those still taking sign-ups first, the most relevant to the
    search first among them (see relevance), then by start date and time."""
    page = min(max(page, 1), MAX_PAGE)
    conditions = _filtered(filters, today)
    total = db.session.scalar(select(func.count(Offering.id)).where(*conditions)) or 0
    signup_first = case((Offering.open_for_signup(today), 0), else_=1)
    ranked = relevance(filters)
    query = (
        Offering.listing()
        .where(*conditions)
        .order_by(
            signup_first,
            *([ranked] if ranked is not None else []),
            Offering.start_date,
            Offering.weekday,
            Offering.start_time,
            Offering.id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    items = list(db.session.scalars(query)) if (page - 1) * per_page < total else []
    return Page(items=items, total=total, page=page, per_page=per_page)


def get_offering(offering_id: int) -> Offering | None:
    """One class with everything its page shows, in one query: the programme, institution (with its
    town) and town joined, the sessions by a join too; None for an id that can't exist."""
    if not 0 < offering_id <= MAX_ID:
        return None
    query = (
        select(Offering)
        .where(Offering.id == offering_id)
        .options(
            joinedload(Offering.programme, innerjoin=True),
            joinedload(Offering.institution, innerjoin=True).joinedload(Institution.town, innerjoin=True),
            joinedload(Offering.town, innerjoin=True),
            joinedload(Offering.sessions),
        )
    )
    return db.session.scalars(query).unique().one_or_none()


def next_intake(offering: Offering, today: dt.date) -> Offering | None:
    """Where to go when this class takes no sign-ups: the next class of the same programme still
    taking them, else of a programme of the same name and kind elsewhere, the soonest first."""
    same = Offering.programme_id == offering.programme_id
    query = (
        Offering.listing()
        .where(
            Offering.id != offering.id,
            Offering.kind == offering.kind,
            or_(same, Programme.name == offering.programme.name),
            Offering.open_for_signup(today),
            Offering.still_running(today),
        )
        .order_by(case((same, 0), else_=1), Offering.start_date, Offering.id)
        .limit(1)
    )
    return db.session.scalar(query)


def next_session(offering: Offering, today: dt.date) -> Session | None:
    return next((s for s in offering.sessions if s.date >= today and s.status != SessionStatus.CANCELLED), None)


def weekly_timetable(filters: Filters, today: dt.date, per_day: int = 40) -> dict[int, list[Offering]]:
    """Classes running now or later, by ISO weekday then start time; at most `per_day` each day."""
    conditions = _filtered(filters, today)
    ranked = (
        select(
            Offering.id,
            func.row_number()
            .over(partition_by=Offering.weekday, order_by=(Offering.start_time, Offering.start_date, Offering.id))
            .label("rank"),
        )
        .where(*conditions)
        .subquery()
    )
    query = (
        Offering.listing()
        .join(ranked, ranked.c.id == Offering.id)
        .where(ranked.c.rank <= per_day)
        .order_by(Offering.weekday, Offering.start_time, Offering.start_date, Offering.id)
    )
    days: dict[int, list[Offering]] = defaultdict(list)
    for offering in db.session.scalars(query):
        days[offering.weekday].append(offering)
    # A class meeting on several days (weekdays "2,4") is on the timetable on each of them.
    for offering in db.session.scalars(Offering.listing().where(*conditions, Offering.weekdays != "")):
        for weekday in offering.days:
            if offering not in days[weekday]:
                days[weekday].append(offering)
    order = lambda o: (o.start_time, o.start_date, o.id)  # noqa: E731
    return {weekday: sorted(days.get(weekday, []), key=order)[:per_day] for weekday in range(1, 8)}


def day_counts(filters: Filters, today: dt.date) -> dict[int, int]:
    """How many classes meet on each ISO weekday (a class meeting twice a week counts on both days)."""
    meets = [func.coalesce(func.sum(case((Offering.meets_on(day), 1), else_=0)), 0) for day in range(1, 8)]
    row = db.session.execute(select(*meets).where(*_filtered(filters, today))).one()
    return {day: count for day, count in zip(range(1, 8), row, strict=True) if count}


def refresh_search_key(offering: Offering) -> None:
    """Recompute the stored search key from the class's names (call after any of them changes)."""
    programme = offering.programme
    offering.search_key = search.search_key(
        primary=[programme.name, programme.major, programme.certificate],
        secondary=[offering.institution.name, offering.town.name, offering.place],
    )


# The 长辈版's categories: a plain word → the names of the classes it covers.
ELDER_TOPICS = {
    "烘焙": ("烘焙", "糕点"),
    "书法": ("书法", "国画"),
    "太极": ("太极", "八段锦"),
    "唱歌跳舞": ("唱歌", "合唱", "舞"),
    "智能手机": ("手机", "摄影"),
    "健康": ("养生", "保健", "健康"),
}


def _elder_conditions(today: dt.date, town_id: int | None, topic: str | None) -> list:
    conditions = [Offering.still_running(today), Offering.for_elders()]
    if town_id:
        conditions.append(Offering.town_id == town_id)
    if topic in ELDER_TOPICS:
        conditions.append(has_words(list(ELDER_TOPICS[topic])))
    return conditions


def elder_offerings(
    today: dt.date,
    weekday: int | None = None,
    town_id: int | None = None,
    topic: str | None = None,
    page: int = 1,
    per_page: int = 5,
) -> Page:
    """Every community class a senior can join (Offering.for_elders: 适合长辈 or open to everyone),
    those marked 适合长辈 first, then the next weekday first (today, tomorrow, …)."""
    conditions = _elder_conditions(today, town_id, topic)
    if weekday:
        conditions.append(Offering.meets_on(weekday))
    page = min(max(page, 1), MAX_PAGE)
    counted = select(func.count(Offering.id)).join(Offering.programme).where(*conditions)
    total = db.session.scalar(counted) or 0
    days_ahead = (Offering.weekday - today.isoweekday() + 7) % 7
    query = (
        Offering.listing()
        .where(*conditions)
        .order_by(Offering.senior_friendly.desc(), days_ahead, Offering.start_time, Offering.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(items=list(db.session.scalars(query)), total=total, page=page, per_page=per_page)


def elder_sessions(
    moment: dt.datetime,
    days: int = 1,
    town_id: int | None = None,
    topic: str | None = None,
    page: int = 1,
    per_page: int = 8,
) -> Page:
    """The meetings of those classes held from `moment` to the end of the `days`-th day that have
    not ended (days=1: today; 7: this week, with real dates), by date and time; a cancelled one is
    listed so the page can say so. Items are Sessions with their class loaded."""
    day = moment.date()
    conditions = [
        *_elder_conditions(day, town_id, topic),
        Offering.status != OfferingStatus.CANCELLED,
        Session.date <= day + dt.timedelta(days=days - 1),
        Session.not_ended(moment),
    ]
    page = min(max(page, 1), MAX_PAGE)
    counted = select(func.count(Session.id)).join(Session.offering).join(Offering.programme).where(*conditions)
    total = db.session.scalar(counted) or 0
    query = (
        Session.listing()
        .where(*conditions)
        .order_by(Session.date, Session.start_time, Offering.senior_friendly.desc(), Offering.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page(items=list(db.session.scalars(query)), total=total, page=page, per_page=per_page)


def bulk_insert_offerings(rows: list[dict]) -> list[int]:
    """Insert many offerings at once (spreadsheet import, generated data), each with the sessions of
    its weekly pattern. `rows` are column dicts for Offering, search_key included. Returns their ids."""
    if not rows:
        return []
    ids = db.session.scalars(insert(Offering).returning(Offering.id, sort_by_parameter_order=True), rows).all()
    sessions = [
        dict(
            offering_id=offering_id,
            seq=seq,
            date=day,
            start_time=row["start_time"],
            end_time=row["end_time"],
            status=SessionStatus.SCHEDULED,
            note="",
        )
        for offering_id, row in zip(ids, rows, strict=True)
        for seq, day in enumerate(weekly_dates(row["start_date"], row["end_date"], row["weekday"]), start=1)
    ]
    if sessions:
        db.session.execute(insert(Session), sessions)
    return list(ids)
