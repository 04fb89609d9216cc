"""A resident's need → a personal plan, by explainable rules (no black box).

Rules, each a line of the plan's "why":
  target     the class teaches what they asked for (characters, pinyin or initials, via search keys;
             for degrees the level 中专/大专/本科, and the major when given)        +100
  town       in the town where they want to learn                                +30
  days       on a weekday they said suits them                                   +20
  time       at a time of day they said suits them (morning/afternoon/evening)   +10
  seats      seats left: +10; full: on the waiting list                          −20
Ties go to the class that starts sooner. Only classes still taking sign-ups are suggested.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Mentor, Need, Offering, Programme, Resident
from app.services import incentives, search
from app.vocabulary import DEGREE_LEVELS, DEGREE_WORDS, DegreeLevel, Kind

MAX_SUGGESTIONS = 5
MAX_ALTERNATIVES = 3
CANDIDATES = 300

# The degree level each education level (as the need form offers them) studies next.
NEXT_LEVEL = {
    "小学及以下": DegreeLevel.ZHONGZHUAN,
    "初中": DegreeLevel.ZHONGZHUAN,
    "高中": DegreeLevel.ZHUANKE,
    "中专/职高": DegreeLevel.ZHUANKE,
    "大专": DegreeLevel.BENKE,
}
LEVEL_ORDER = list(DEGREE_LEVELS)
TIMES = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(18, 0)),
    "evening": (dt.time(18, 0), dt.time(23, 59)),
}
_SUFFIX = re.compile(r"(证书|证|培训班|培训|课程|课|班)$")


@dataclass(frozen=True)
class Reason:
    code: str  # target / town / other_town / days / not_days / time / seats / waitlist / same_kind
    value: str | int | None = None


@dataclass
class Match:
    offering: Offering
    score: int
    reasons: list[Reason]
    incentives: list[incentives.Incentive] = field(default_factory=list)

    @property
    def waitlist(self) -> bool:
        return self.offering.seats_left == 0

    @property
    def estimate(self) -> incentives.Estimate:
        return incentives.sort_out(self.incentives)

    @property
    def incentive_total(self) -> int:
        """Cash that is sure (every condition known and met); waivers and "if …" amounts apart."""
        return self.estimate.cash_total


@dataclass(frozen=True)
class PathStep:
    level: str
    years: float | None
    tuition: int | None
    incentive: int  # sure cash
    programme: Programme | None
    possible: int = 0  # the most it could be if the unknown conditions are met

    @property
    def cost_after_incentives(self) -> int | None:
        return None if self.tuition is None else max(self.tuition - self.incentive, 0)


@dataclass
class Plan:
    need: Need
    matches: list[Match]
    alternatives: list[Match]
    path: list[PathStep]

    @property
    def unmet(self) -> bool:
        return not self.matches


def target_terms(target: str) -> list[str]:
    """Words of the target that must appear in a class: 电工证 → 电工; 电工 培训 → 电工 (培训 says nothing)."""
    words = search.query_terms(target)
    terms = [stripped for stripped in (_SUFFIX.sub("", w) for w in words) if stripped]
    return terms or words


def degree_level(target: str) -> str | None:
    text = search.normalise(target)
    return next((level for word, level in DEGREE_WORDS.items() if word in text), None)


def _candidates(need: Need, today: dt.date, conditions: list) -> list[Offering]:
    query = (
        Offering.listing()
        .where(
            Offering.kind == need.kind,
            Offering.open_for_signup(today),
            Offering.still_running(today),
            *conditions,
        )
        .order_by(Offering.start_date, Offering.id)
        .limit(CANDIDATES)
    )
    return list(db.session.scalars(query))


def _target_conditions(need: Need) -> list | None:
    """SQL conditions for "teaches what they asked for", or None when the target says nothing usable."""
    if need.kind == Kind.DEGREE:
        level = degree_level(need.target)
        conditions = [Programme.degree_level == level] if level else []
        terms = (
            target_terms(need.major or "")
            if need.major
            else [t for t in target_terms(need.target) if not degree_level(t)]
        )
        if terms:
            conditions.append(or_(*(Offering.search_key.like(search.like_pattern(t)) for t in terms)))
        return conditions or None
    terms = target_terms(need.target)
    if not terms:
        return None
    return [Offering.search_key.like(search.like_pattern(t)) for t in terms]


def score(offering: Offering, need: Need, town_id: int | None) -> Match:
    reasons = [Reason("target", need.target)]
    points = 100
    if town_id and offering.town_id == town_id:
        points += 30
        reasons.append(Reason("town", offering.town.name))
    else:
        reasons.append(Reason("other_town", offering.town.name))
    if need.weekday_list:
        if offering.weekday in need.weekday_list:
            points += 20
            reasons.append(Reason("days", offering.weekday))
        else:
            reasons.append(Reason("not_days", offering.weekday))
    for name in need.time_list:
        start, end = TIMES.get(name, (None, None))
        if start and start <= offering.start_time < end:
            points += 10
            reasons.append(Reason("time", name))
            break
    if offering.seats_left > 0:
        points += 10
        reasons.append(Reason("seats", offering.seats_left))
    else:
        points -= 20
        reasons.append(Reason("waitlist"))
    return Match(offering=offering, score=points, reasons=reasons)


def _rank(matches: list[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (-m.score, m.offering.start_date, m.offering.id))


def suggestions(need: Need, today: dt.date) -> tuple[list[Match], list[Match]]:
    """(matches, alternatives): classes that teach the target, ranked; or when there are none, the
    nearest classes of the same kind."""
    town_id = need.town_id or need.resident.town_id
    conditions = _target_conditions(need)
    matches = (
        _rank([score(o, need, town_id) for o in _candidates(need, today, conditions)])[:MAX_SUGGESTIONS]
        if conditions
        else []
    )
    alternatives: list[Match] = []
    if not matches:
        for offering in _candidates(need, today, []):
            match = score(offering, need, town_id)
            match.score -= 100
            match.reasons[0] = Reason("same_kind", need.kind)
            alternatives.append(match)
        alternatives = _rank(alternatives)[:MAX_ALTERNATIVES]
    return matches, alternatives


def plan(need: Need, today: dt.date) -> Plan:
    matches, alternatives = suggestions(need, today)
    policies = incentives.active_policies()
    facts = incentives.facts_of(need.resident)
    for match in matches + alternatives:
        match.incentives = incentives.for_learner(match.offering.programme, facts, policies)
    path = degree_path(need.resident, need, matches, policies, today) if need.kind == Kind.DEGREE else []
    return Plan(need=need, matches=matches, alternatives=alternatives, path=path)


def degree_path(resident: Resident, need: Need, matches: list[Match], policies, today: dt.date) -> list[PathStep]:
    """初中 → 中专 → 专科 → 本科: the steps from their education to the target, each with the
    shortest programme on offer, its tuition and what incentives give back."""
    start = NEXT_LEVEL.get(resident.education or "", DegreeLevel.ZHONGZHUAN if not resident.education else None)
    goal = degree_level(need.target) or (matches[0].offering.programme.degree_level if matches else None)
    if start is None or goal is None or LEVEL_ORDER.index(start) > LEVEL_ORDER.index(goal):
        return []
    steps = []
    facts = incentives.facts_of(resident)  # one look at what they already claimed, for every step
    chosen = {m.offering.programme.degree_level: m.offering.programme for m in reversed(matches)}
    for level in LEVEL_ORDER[LEVEL_ORDER.index(start) : LEVEL_ORDER.index(goal) + 1]:
        programme = chosen.get(level) or _cheapest_programme(level, today)
        if programme is None:
            steps.append(PathStep(level, None, None, 0, None))
            continue
        back = incentives.estimate(programme, facts, policies)
        steps.append(
            PathStep(level, programme.years, programme.tuition, back.cash_total, programme, back.best_possible)
        )
    return steps


def _cheapest_programme(level: str, today: dt.date) -> Programme | None:
    query = (
        select(Programme)
        .join(Offering, Offering.programme_id == Programme.id)
        .where(Programme.degree_level == level, Offering.end_date >= today)
        .order_by(Programme.tuition, Programme.id)
        .limit(1)
    )
    return db.session.scalar(query)


def assign_mentor(need: Need, matches: list[Match]) -> Mentor | None:
    """The least-loaded active mentor for this kind, preferring the institutions that teach the matches."""
    preferred = {m.offering.institution_id for m in matches}
    load = (
        select(Need.mentor_id, func.count(Need.id).label("load"))
        .where(Need.mentor_id.is_not(None))
        .group_by(Need.mentor_id)
        .subquery()
    )
    order = [func.coalesce(load.c.load, 0), Mentor.id]
    if preferred:
        order.insert(0, Mentor.institution_id.in_(preferred).desc())
    query = (
        select(Mentor)
        .outerjoin(load, load.c.mentor_id == Mentor.id)
        .where(Mentor.active.is_(True), Mentor.kinds.like(f"%{need.kind}%"))
        .order_by(*order)
        .limit(1)
    )
    return db.session.scalar(query)
