"""The catalogue of classes: filtering, paging, one class, the weekly timetable."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, insert, not_, or_, select, true
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
    """One page of a list. `more`: there are more than `total` (a count stopped at a cap, or a list
    that only looked one row past its page): `total` is then a lower bound and `pages` too."""

    items: list[Offering]
    total: int
    page: int
    per_page: int
    more: bool = False
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and self.page == self.pages)

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


def _filtered(filters: Filters, today: dt.date, term_keys: list | None = None):
    conditions = [Offering.still_running(today)]
    if filters.kind:
        conditions.append(Offering.kind == filters.kind)
    if filters.town_id:
        conditions.append(Offering.town_id == filters.town_id)
    if filters.weekday:
        conditions.append(Offering.meets_on(filters.weekday))
    if filters.senior:
        conditions.append(Offering.senior_friendly.is_(True))
    for _words, keys in _term_keys(filters) if term_keys is None else term_keys:
        conditions.append(Offering.search_key.in_(keys))
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
    return Offering.search_key.in_(_keys_with(words))


def _keys_with(words: list[str]) -> list[str]:
    """The distinct search keys that hold any of `words` (read from SearchKey: a few hundred rows
    whatever the number of classes). The classes are then asked for by these keys as values, so
    the database finds them by the index on offerings.search_key rather than joining per row."""
    pattern = or_(*(SearchKey.key.like(search.like_pattern(w)) for w in words))
    return list(db.session.scalars(select(SearchKey.key).where(pattern).order_by(SearchKey.key)))


def _term_keys(filters: Filters) -> list[tuple[list[str], list[str]]]:
    """Each query term's words (_term_words) with the distinct search keys holding any of them: one
    query over SearchKey for all the terms."""
    term_words = _term_words(filters)
    every = _keys_with([w for words in term_words for w in words]) if term_words else []
    # LIKE '%w%' as SQLite compares it (ASCII case folded; keys are lower case already).
    return [(words, [k for k in every if any(w in k.lower() for w in words)]) for words in term_words]


def ranked_keys(filters: Filters, term_keys: list | None = None) -> list[list[str]] | None:
    """The search keys of a search's classes by relevance, best first; None without search terms.
    0 is best: per term, a whole name (its characters, full pinyin or initials) that is the term
    itself 0, one that is a programme the term means (an alias: 毛笔字 → 书法) 1, a part of a name 2;
    added up over the terms. The rank is a function of the search key alone, so it is worked out
    once per distinct key (SearchKey), not once per class."""
    term_keys = _term_keys(filters) if term_keys is None else term_keys
    if not term_keys:
        return None
    found = set.intersection(*(set(keys) for _words, keys in term_keys))  # a class holds every term
    by_rank: dict[int, list[str]] = defaultdict(list)
    for key in sorted(found):
        folded = key.lower()
        rank = 0
        for (term, *aliases), _keys in term_keys:
            if f"|{term}|" in folded:
                continue
            rank += 1 if any(f"|{a}|" in folded for a in aliases) else 2
        by_rank[rank].append(key)
    return [keys for _rank, keys in sorted(by_rank.items())]


def matching(filters: Filters, today: dt.date) -> list:
    """The conditions of a catalogue search (the list, the timetable and a worker's kept copy)."""
    return _filtered(filters, today)


COUNT_CAP = 1000  # a search counts its classes up to here ("1,000 多门"): its cost is bounded by the page


def capped_count(conditions: list, at_least: int) -> tuple[int, bool]:
    """How many rows meet `conditions`, counted no further than `at_least` + 1: (count, more), more
    when there are more than `at_least` (then count is `at_least`)."""
    inner = select(Offering.id).where(*conditions).limit(at_least + 1).subquery()
    counted = db.session.scalar(select(func.count()).select_from(inner)) or 0
    return min(counted, at_least), counted > at_least


# Within a tier of the catalogue's order: by start, then id. ix_offerings_listing walks these in order
# among the open classes, so a page taking sign-ups is read from the index, not sorted from every match.
START_ORDER = (Offering.start_date, Offering.weekday, Offering.start_time, Offering.id)


def _tiers(filters: Filters, today: dt.date, term_keys: list) -> list:
    """The catalogue's order as tiers, best first: taking sign-ups (then not), and within each the
    search's keys by relevance (ranked_keys); inside a tier, START_ORDER."""
    signup = Offering.open_for_signup(today)
    ranks = ranked_keys(filters, term_keys)
    relevance = [Offering.search_key.in_(keys) for keys in ranks] if ranks is not None else [true()]
    return [and_(open_or_not, rank) for open_or_not in (signup, not_(signup)) for rank in relevance]


def _tiered_page(conditions: list, tiers: list, page: int, per_page: int) -> list[Offering]:
    """One page of classes in the order of `tiers`: each tier asked for at most what the page still
    needs, by START_ORDER; a tier wholly before the page is counted (no further than the rows to
    skip) and passed over. The page's few classes are then loaded with what a list shows."""
    skip, need, ids = (page - 1) * per_page, per_page, []
    for tier in tiers:
        where = [*conditions, tier]
        if skip:
            size, beyond = capped_count(where, skip)
            if not beyond:
                skip -= size
                continue
        query = select(Offering.id).where(*where).order_by(*START_ORDER).offset(skip).limit(need)
        found = list(db.session.scalars(query))
        ids += found
        skip, need = 0, need - len(found)
        if not need:
            break
    if not ids:
        return []
    loaded = {o.id: o for o in db.session.scalars(Offering.listing().where(Offering.id.in_(ids)))}
    return [loaded[i] for i in ids]


def find_offerings(filters: Filters, page: int, per_page: int, today: dt.date) -> Page:
    """One page of matching classes: those still taking sign-ups first, the most relevant to the
    search first among them (see ranked_keys), then by start date and time. The count stops at
    COUNT_CAP (or the end of this page, past it) and the page is read tier by tier (_tiered_page):
    a broad search costs about what its page costs, not what it matches."""
    page = min(max(page, 1), MAX_PAGE)
    term_keys = _term_keys(filters)  # read once for the count, the page and the ranks
    conditions = _filtered(filters, today, term_keys)
    total, more = capped_count(conditions, max(COUNT_CAP, page * per_page))
    in_range = (page - 1) * per_page < total
    items = _tiered_page(conditions, _tiers(filters, today, term_keys), page, per_page) if in_range else []
    return Page(items=items, total=total, page=page, per_page=per_page, more=more)


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
    days_ahead = (Offering.weekday - today.isoweekday() + 7) % 7
    query = (
        Offering.listing()
        .where(*conditions)
        .order_by(Offering.senior_friendly.desc(), days_ahead, Offering.start_time, Offering.id)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    return _looked_past(list(db.session.scalars(query)), page, per_page)


def _looked_past(rows: list, page: int, per_page: int) -> Page:
    """A page of a list that asked for one row more than it shows instead of counting them all (the
    长辈版's lists say only whether there is a next page): that row, if it came, means there is one."""
    items = rows[:per_page]
    return Page(
        items=items, total=(page - 1) * per_page + len(items), page=page, per_page=per_page, more=len(rows) > per_page
    )


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
        # Session.not_ended(moment) for meetings from `day` on, said as a range of dates (and today's
        # end time): the index on the date is then read in order, a page's worth, not the week sorted.
        Session.date.between(day, day + dt.timedelta(days=days - 1)),
        or_(Session.date != day, Session.end_time > moment.time().replace(tzinfo=None)),
    ]
    page = min(max(page, 1), MAX_PAGE)
    query = (
        Session.listing()
        .where(*conditions)
        .order_by(Session.date, Session.start_time, Offering.senior_friendly.desc(), Offering.id)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    return _looked_past(list(db.session.scalars(query)), page, per_page)


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
