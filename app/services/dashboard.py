"""The bureau's 驾驶舱: the four lists (demand, supply, policy, matching), the funnel and monthly
trends. Every figure is an aggregate computed in the database (GROUP BY, COUNT, SUM, CASE) over
indexed columns; nothing loads rows into Python to count them."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, select

from app import vocabulary
from app.clock import TZ
from app.extensions import db
from app.models import (
    Enrolment,
    EnrolmentStatus,
    Need,
    NeedStatus,
    Offering,
    OfferingStatus,
    Outcome,
    OutcomeKind,
    Policy,
    Town,
)

KINDS = vocabulary.KINDS
OPEN_NEED = (NeedStatus.NEW, NeedStatus.MATCHED)
# What the funnel and the trend count as enrolled: a place taken, or the class finished.
ENROLLED = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)


@dataclass
class Grid:
    """Counts by town (rows) and kind (columns), with totals."""

    towns: list[tuple[int | None, str]]
    cells: dict[tuple[int | None, str], int]

    def get(self, town_id, kind) -> int:
        return self.cells.get((town_id, kind), 0)

    def row_total(self, town_id) -> int:
        return sum(self.get(town_id, k) for k in KINDS)

    def col_total(self, kind) -> int:
        return sum(self.get(t, kind) for t, _name in self.towns)

    @property
    def total(self) -> int:
        return sum(self.cells.values())


def _towns() -> list[tuple[int | None, str]]:
    return [(t.id, t.name) for t in db.session.scalars(select(Town).order_by(Town.sort_order, Town.id))]


def demand(towns=None) -> Grid:
    rows = db.session.execute(select(Need.town_id, Need.kind, func.count()).group_by(Need.town_id, Need.kind))
    return Grid(towns or _towns(), {(t, k): n for t, k, n in rows})


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
    town: str
    kind: str
    target: str
    count: int


def gaps(today: dt.date, limit: int = 20) -> list[Gap]:
    """Open needs with no class within reach — none of their kind running in their town, or no class
    matched when they were reported — by town and target, most wanted first: where to open a class."""
    class_here = exists().where(
        Offering.kind == Need.kind,
        Offering.town_id == Need.town_id,
        Offering.status == OfferingStatus.OPEN,
        Offering.still_running(today),
    )
    count = func.count().label("n")
    rows = db.session.execute(
        select(Town.name, Need.kind, Need.target, count)
        .join(Town, Town.id == Need.town_id)
        .where(Need.status.in_(OPEN_NEED), (Need.unmet.is_(True)) | ~class_here)
        .group_by(Town.name, Need.kind, Need.target)
        .order_by(count.desc(), Town.name, Need.target)
        .limit(limit)
    )
    return [Gap(town, kind, target, n) for town, kind, target, n in rows]


@dataclass
class Stage:
    key: str
    count: int


def funnel() -> list[Stage]:
    """need → matched → enrolled → completed → incentive paid (one count each, in one query apiece)."""
    needs = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Need.unmet.is_(False), 1), else_=0)), 0))
    ).one()
    enrolled = db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.status.in_(ENROLLED)))
    outcomes = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Outcome.paid_at.is_not(None), 1), else_=0)), 0))
    ).one()
    return [
        Stage("need", needs[0]),
        Stage("matched", int(needs[1])),
        Stage("enrolled", enrolled or 0),
        Stage("completed", outcomes[0]),
        Stage("paid", int(outcomes[1])),
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
    """One scan: a SUM(CASE …) per month between boundaries computed here (works on both databases)."""
    bounds = [*starts, (starts[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1)]
    edge = (lambda d: d) if is_date else _utc
    sums = [
        func.coalesce(func.sum(case((and_(column >= edge(a), column < edge(b)), 1), else_=0)), 0)
        for a, b in itertools.pairwise(bounds)
    ]
    row = db.session.execute(select(*sums).where(column >= edge(bounds[0]), column < edge(bounds[-1]), *where)).one()
    return [int(v) for v in row]


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
