"""What a worker's phone keeps for a door-to-door visit: the classes a resident may ask about, and
what each would cost them after subsidies.

The kept catalogue holds every class open for sign-up in the worker's town and the county's skill
and degree classes open for sign-up (residents travel for those). The service worker keeps it as
one page (app/routes/offline.py), refreshed on each online visit; the phone filters it offline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import false, or_, select
from sqlalchemy.orm import contains_eager

from app.extensions import db
from app.models import Offering, Policy
from app.services import catalogue, incentives
from app.services.catalogue import Filters

COUNTY_KINDS = ("skill", "degree")
RESIDENCES = ("户籍", "流动人口")


@dataclass(frozen=True)
class Price:
    """What the class costs and what the policies give back on completion, by residence type."""

    fee: int
    back: dict[str, int]  # residence type → yuan back on completion

    def pay(self, residence: str) -> int:
        return max(self.fee - self.back[residence], 0)

    @property
    def same_for_all(self) -> bool:
        return len(set(self.back.values())) == 1


def price(offering: Offering, policies: list[Policy]) -> Price:
    back = {
        # Sure cash only (incentives.Estimate): a fee waiver is never counted as money back, and a
        # rule whose other conditions (months of insurance …) are unknown is not counted either.
        residence: incentives.estimate(offering.programme, residence, policies).cash_total
        for residence in RESIDENCES
    }
    return Price(fee=offering.fee or 0, back=back)


def kept_offerings(town_id: int | None, today: dt.date, filters: Filters | None = None, limit: int = 1000):
    """The kept catalogue: the worker's town's open classes first, then the county's skill and degree
    classes, each by start date."""
    mine = Offering.town_id == town_id if town_id else false()
    query = (
        select(Offering)
        .join(Offering.programme)
        .join(Offering.institution)
        .join(Offering.town)
        .options(
            contains_eager(Offering.programme), contains_eager(Offering.institution), contains_eager(Offering.town)
        )
        .where(
            *catalogue.matching(filters or Filters(), today),
            Offering.open_for_signup(today),
            or_(mine, Offering.kind.in_(COUNTY_KINDS)),
        )
        .order_by((Offering.town_id != town_id) if town_id else Offering.id, Offering.start_date, Offering.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
