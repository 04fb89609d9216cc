"""The bureau's 驾驶舱: the four lists (demand, supply, policy, matching), the funnel and monthly
trends. Every figure is an aggregate computed in the database (GROUP BY, COUNT, SUM, CASE) over
indexed columns; nothing loads rows into Python to count them.

Units, one per table and chart: demand counts people (residents with an open need, a need still
new or matched: those enrolled or done no longer want the class); supply counts classes, and seats
separately; the gaps count people; the funnel follows one population, the residents who registered
a need, through each stage; the monthly trends count events (人次: a need registered, a sign-up, a
completion); incentives are yuan."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, exists, false, func, or_, select

from app import vocabulary
from app.clock import TZ
from app.extensions import db
from app.models import (
    ContactRequest,
    ContactStatus,
    Enrolment,
    EnrolmentStatus,
    Need,
    NeedStatus,
    Offering,
    OfferingStatus,
    Outcome,
    OutcomeKind,
    Policy,
    Programme,
    Resident,
    Town,
    WorkOrder,
    WorkPortion,
)
from app.services import groups as enterprise_groups
from app.services import matching

KINDS = vocabulary.KINDS
OPEN_NEED = (NeedStatus.NEW, NeedStatus.MATCHED)
# What the funnel and the trend count as enrolled: a place taken, or the class finished.
ENROLLED = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


@dataclass
class Grid:
    """Counts by town (rows) and kind (columns), with totals."""

    towns: list[tuple[int | None, str]]
    cells: dict[tuple[int | None, str], int]
    # Of the cells, the employees of enterprises' group-class proposals (企业组班), shown apart.
    groups: dict[tuple[int | None, str], int] = field(default_factory=dict)

    def get(self, town_id, kind) -> int:
        return self.cells.get((town_id, kind), 0)

    def group_count(self, town_id, kind) -> int:
        return self.groups.get((town_id, kind), 0)

    @property
    def group_total(self) -> int:
        return sum(self.groups.values())

    def row_total(self, town_id) -> int:
        return sum(self.get(town_id, k) for k in KINDS)

    def col_total(self, kind) -> int:
        return sum(self.get(t, kind) for t, _name in self.towns)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def _towns() -> list[tuple[int | None, str]]:
    return [(t.id, t.name) for t in db.session.scalars(select(Town).order_by(Town.sort_order, Town.id))]


@dataclass(frozen=True)
class GroupShare:
    """An enterprise's group-class proposal as the 驾驶舱 counts it (plain values: the figures are cached)."""

    proposal_id: int
    enterprise: str
    wanted: str  # 电工（中级）
    town_id: int
    town: str
    kind: str
    people: int
    requested: bool  # the bureau has asked an institution for it (and was not told it can't)


def group_demand(today: dt.date, town_id: int | None = None, kind: str | None = None) -> list[GroupShare]:
    """The enterprises' proposals counted as demand: still wanted, and no class that fits open yet
    (app.services.groups.counted). A few rows, one per proposal."""
    return [
        GroupShare(
            v.proposal.id,
            v.proposal.institution.name,
            v.proposal.wanted,
            v.proposal.town_id,
            v.proposal.town.name,
            v.proposal.kind,
            v.proposal.people,
            enterprise_groups.asked(v.proposal),
        )
        for v in enterprise_groups.counted(today, town_id, kind)
    ]


def demand(towns=None, shares: list[GroupShare] = ()) -> Grid:
    """Open needs by town and kind, in 人次: each is one person wanting a place in a class of that
    kind in that town (as each seat is a place for one), so demand and seats compare in one unit;
    with `shares` (group_demand), each enterprise group's employees too, also kept apart."""
    rows = db.session.execute(
        select(Need.town_id, Need.kind, func.count())
        .where(Need.status.in_(OPEN_NEED))
        .group_by(Need.town_id, Need.kind)
    )
    cells = {(t, k): n for t, k, n in rows}
    from_groups: dict[tuple[int | None, str], int] = {}
    for share in shares:
        key = (share.town_id, share.kind)
        cells[key] = cells.get(key, 0) + share.people
        from_groups[key] = from_groups.get(key, 0) + share.people
    return Grid(towns or _towns(), cells, from_groups)


def supply(today: dt.date, towns=None) -> tuple[Grid, Grid]:
    """Classes running or to come, and their seats, by town and kind."""
    rows = db.session.execute(
        select(Offering.town_id, Offering.kind, func.count(), func.coalesce(func.sum(Offering.capacity), 0))
        .where(Offering.still_running(today))
        .group_by(Offering.town_id, Offering.kind)
    ).all()
    towns = towns or _towns()
    return Grid(towns, {(t, k): n for t, k, n, _s in rows}), Grid(towns, {(t, k): int(s) for t, k, _n, s in rows})


@dataclass
class Gap:
    """Where to open a class: a town, a kind and the programme(s) the residents' targets name (or,
    when no programme teaches it yet, what they wrote), with how many people want it."""

    town_id: int
    town: str
    kind: str
    programmes: tuple[str, ...]  # the programmes to open a class of; empty when none teaches it
    targets: list[str]  # what the residents wrote, most wanted first
    count: int  # people (a person who wrote two targets for the same programme counts twice)
    groups: list[GroupShare] = field(default_factory=list)  # of `count`, the enterprises' group classes

    @property
    def group_people(self) -> int:
        return sum(g.people for g in self.groups)

    @property
    def target(self) -> str:
        return "、".join(self.programmes) if self.programmes else self.targets[0]

    @property
    def about(self) -> str:
        """The suggestion's key in a link to the people behind it."""
        return self.target


def _gap_need(today: dt.date):
    """An open need with no class within reach: none of its kind open in its town, or no class
    matched when it was reported. The towns and kinds that have a class are a few dozen pairs,
    read first, so the needs are scanned once with no look-up per need."""
    covered = db.session.execute(
        select(Offering.town_id, Offering.kind)
        .where(Offering.status == OfferingStatus.OPEN, Offering.end_date >= today)
        .group_by(Offering.town_id, Offering.kind)
    ).all()
    class_here = or_(*(and_(Need.town_id == t, Need.kind == k) for t, k in covered)) if covered else false()
    return and_(Need.status.in_(OPEN_NEED), Need.town_id.is_not(None), or_(Need.unmet.is_(True), ~class_here))


def unmet_people(today: dt.date, shares: list[GroupShare] = ()) -> int:
    """Everyone who wants to learn something with no class near them (the headline: all of them),
    with the employees of the enterprises' group classes (`shares`, group_demand) waiting for one."""
    residents = db.session.scalar(select(func.count(distinct(Need.resident_id))).where(_gap_need(today))) or 0
    return residents + sum(s.people for s in shares)


def _gap_groups(today: dt.date, where=(), shares: list[GroupShare] = ()) -> list[Gap]:
    people = func.count(distinct(Need.resident_id)).label("n")
    rows = db.session.execute(
        select(Need.town_id, Town.name, Need.kind, Need.target, people)
        .join(Town, Town.id == Need.town_id)
        .where(_gap_need(today), *where)
        .group_by(Need.town_id, Town.name, Need.kind, Need.target)
        .order_by(people.desc(), Town.name, Need.target)
    )
    keys = matching.programme_keys()
    named: dict[tuple[str, str], tuple[str, ...]] = {}
    groups: dict[tuple, Gap] = {}
    for town_id, town, kind, target, n in rows:
        if (kind, target) not in named:
            named[(kind, target)] = tuple(matching.programmes_for(kind, target, keys)[:3])
        programmes = named[(kind, target)]
        key = (town_id, kind, programmes or target)
        gap = groups.get(key)
        if gap is None:
            groups[key] = Gap(town_id, town, kind, programmes, [target], n)
        else:
            gap.targets.append(target)
            gap.count += n
    # An enterprise's group class counts where its words lead, as a resident's would (电工（中级） → the
    # 电工 programmes), in the same suggestion as the residents who want that programme there.
    for share in shares:
        if (share.kind, share.wanted) not in named:
            named[(share.kind, share.wanted)] = tuple(matching.programmes_for(share.kind, share.wanted, keys)[:3])
        programmes = named[(share.kind, share.wanted)]
        if share.wanted in programmes:  # it names its level (电工（中级）): a class of that level, not the others
            programmes = (share.wanted,)
        key = (share.town_id, share.kind, programmes or share.wanted)
        gap = groups.get(key)
        if gap is None:
            gap = groups[key] = Gap(share.town_id, share.town, share.kind, programmes, [share.wanted], 0)
        gap.count += share.people
        gap.groups.append(share)
    return sorted(groups.values(), key=lambda g: (-g.count, g.town, g.target))


def gaps(today: dt.date, limit: int = 20, shares: list[GroupShare] = ()) -> list[Gap]:
    """The most wanted classes no one can reach, by town and programme (see Gap), most people first;
    with `shares` (group_demand), the enterprises' group classes counted in them."""
    return _gap_groups(today, (), shares)[:limit]


def gap_people(today: dt.date, town_id: int, kind: str, about: str, limit: int = 500):
    """The gap (as `gaps` makes it, with the enterprises' group classes) and the residents behind it:
    (Gap or None, [(Need, Resident)]); the groups are the gap's `groups`."""
    shares = group_demand(today, town_id, kind)
    found = next(
        (g for g in _gap_groups(today, (Need.town_id == town_id, Need.kind == kind), shares) if g.about == about),
        None,
    )
    if found is None:
        return None, []
    rows = db.session.execute(
        select(Need, Resident)
        .join(Resident, Resident.id == Need.resident_id)
        .where(_gap_need(today), Need.town_id == town_id, Need.kind == kind, Need.target.in_(found.targets))
        .order_by(Need.created_at, Need.id)
        .limit(limit)
    ).all()
    return found, rows


@dataclass
class Stage:
    key: str
    count: int


def funnel() -> list[Stage]:
    """One population, the residents who registered a need, through each stage: a class matched
    (or found since: enrolled counts as matched), enrolled (a place confirmed, or completed), a
    completion recorded, its incentive paid. Each stage is part of the one before it. One
    statement of counts, each an index scan with index look-ups (no GROUP BY over every need)."""
    seated = Enrolment.status.in_((EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED))
    wanted = exists().where(Need.resident_id == Enrolment.resident_id)
    matched_need = exists().where(Need.resident_id == Enrolment.resident_id, Need.unmet.is_(False))
    enrolled_here = exists().where(Enrolment.resident_id == Outcome.resident_id, seated)
    had_need = exists().where(Need.resident_id == Outcome.resident_id)

    def people(column, *where):
        return select(func.count(distinct(column))).where(*where).scalar_subquery()

    need, matched_only, enrolled, both, completed, paid = db.session.execute(
        select(
            people(Need.resident_id),
            people(Need.resident_id, Need.unmet.is_(False)),
            people(Enrolment.resident_id, seated, wanted),
            people(Enrolment.resident_id, seated, matched_need),
            people(Outcome.resident_id, enrolled_here, had_need),
            people(Outcome.resident_id, enrolled_here, had_need, Outcome.paid_at.is_not(None)),
        )
    ).one()
    matched = matched_only + enrolled - both  # a matched need, or enrolled since
    counts = (need, matched, enrolled, completed, paid)
    return [
        Stage(key, int(n or 0))
        for key, n in zip(("need", "matched", "enrolled", "completed", "paid"), counts, strict=True)
    ]


def month_starts(today: dt.date, months: int = 12) -> list[dt.date]:
    first = today.replace(day=1)
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(dt.date(year, month + 1, 1))
    return starts


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), TZ).astimezone(dt.UTC)


def _by_month(column, starts: list[dt.date], *where, is_date: bool = False) -> list[int]:
    """One statement: a COUNT per month, each over its own range of the column's index (a range count
    reads only that month's index entries, where a single scan with a CASE per month evaluated twelve
    comparisons for every row of the year)."""
    bounds = [*starts, (starts[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1)]
    edge = (lambda d: d) if is_date else _utc
    counts = [
        select(func.count()).where(column >= edge(a), column < edge(b), *where).scalar_subquery()
        for a, b in itertools.pairwise(bounds)
    ]
    row = db.session.execute(select(*counts)).one()
    return [int(v or 0) for v in row]


@dataclass
class Month:
    start: dt.date
    needs: int
    enrolments: int
    outcomes: int


def trends(today: dt.date, months: int = 12) -> list[Month]:
    starts = month_starts(today, months)
    needs = _by_month(Need.created_at, starts)
    enrolments = _by_month(Enrolment.created_at, starts, Enrolment.status.in_(ENROLLED))
    outcomes = _by_month(Outcome.completed_on, starts, is_date=True)
    return [Month(*values) for values in zip(starts, needs, enrolments, outcomes, strict=True)]


@dataclass
class Money:
    kind: str
    count: int
    owed: int
    paid: int

    @property
    def unpaid(self) -> int:
        return self.owed - self.paid


def incentives() -> list[Money]:
    """Incentives owed and paid by outcome kind."""
    rows = db.session.execute(
        select(
            Outcome.kind,
            func.count(),
            func.coalesce(func.sum(Outcome.incentive_amount), 0),
            func.coalesce(func.sum(case((Outcome.paid_at.is_not(None), Outcome.incentive_amount), else_=0)), 0),
        ).group_by(Outcome.kind)
    )
    found = {kind: Money(kind, n, int(owed), int(paid)) for kind, n, owed, paid in rows}
    return [found.get(kind, Money(kind, 0, 0, 0)) for kind in OutcomeKind]


def policy_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Policy).where(Policy.active.is_(True))) or 0


# 成果转化: did learning lead to work? ----------------------------------------------------------


@dataclass
class TownEarnings:
    town: str
    people: int
    pieces: int
    earned: int  # fen


@dataclass
class CertificateWork:
    certificate: str  # 电工（初级）
    certified: int  # people who obtained it through Xuehou
    working: int  # of them, hired or given a work order on or after obtaining it


@dataclass
class Conversion:
    certified: int  # people with a certificate recorded through Xuehou
    hired: int  # of them, taken on by an enterprise on or after the certificate
    orders: int  # of them, given a 共富工坊 portion on or after the certificate
    working: int  # hired or given a portion (each person once)
    towns: list[TownEarnings]
    certificates: list[CertificateWork]


def _local_day(moment):
    """The county's calendar day (Asia/Shanghai) of a stored moment, in SQL: a portion given at 07:30
    on the day of a certificate is 23:30 the day before in UTC, and still after it."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone(str(TZ), moment))
    hours = int(TZ.utcoffset(dt.datetime(2026, 1, 1)).total_seconds() // 3600)  # UTC+8 all year, no DST
    return func.date(moment, f"{hours:+d} hours")  # SQLite keeps the UTC moment as written


def conversion() -> Conversion:
    """成果转化, from the records: people with a certificate (outcomes), of them those an enterprise
    recorded as hired on or after it (contact requests marked hired) and those given a work-order
    portion on or after it; 共富工坊 earnings by the workshop's town (fen, pieces handed in × the piece
    rate); and per certificate and level, how many of its holders went on to work after it."""
    hired_after = exists().where(
        ContactRequest.resident_id == Outcome.resident_id,
        ContactRequest.status == ContactStatus.HIRED,
        ContactRequest.hired_on >= Outcome.completed_on,
    )
    portion_after = exists().where(
        WorkPortion.resident_id == Outcome.resident_id,
        _local_day(WorkPortion.assigned_at) >= Outcome.completed_on,
    )
    certificate = Outcome.kind == OutcomeKind.CERTIFICATE

    def people(*where):
        return select(func.count(distinct(Outcome.resident_id))).where(certificate, *where).scalar_subquery()

    certified, hired, orders, working = db.session.execute(
        select(people(), people(hired_after), people(portion_after), people(or_(hired_after, portion_after)))
    ).one()
    towns = [
        TownEarnings(name, int(n), int(pieces or 0), int(earned or 0))
        for name, n, pieces, earned in db.session.execute(
            select(
                Town.name,
                func.count(distinct(WorkPortion.resident_id)),
                func.sum(WorkPortion.handed_in),
                func.sum(WorkPortion.earned),
            )
            .select_from(WorkPortion)
            .join(WorkOrder, WorkOrder.id == WorkPortion.order_id)
            .join(Town, Town.id == WorkOrder.town_id)
            .group_by(Town.id, Town.name, Town.sort_order)
            .order_by(Town.sort_order, Town.id)
        )
    ]
    name = func.coalesce(Programme.certificate, Programme.name)
    level = func.coalesce(Outcome.level, "")
    certificates = [
        CertificateWork(f"{cert}（{lvl}）" if lvl else cert, int(n), int(w))
        for cert, lvl, n, w in db.session.execute(
            select(
                name,
                level,
                func.count(distinct(Outcome.resident_id)),
                func.count(distinct(case((or_(hired_after, portion_after), Outcome.resident_id)))),
            )
            .join(Programme, Programme.id == Outcome.programme_id)
            .where(certificate)
            .group_by(name, level)
            .order_by(func.count(distinct(Outcome.resident_id)).desc(), name, level)
        )
    ]
    return Conversion(int(certified), int(hired), int(orders), int(working), towns, certificates)
