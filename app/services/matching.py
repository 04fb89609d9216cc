"""A resident's need → a personal plan, by explainable rules (no black box).

What they asked for is read with the learning vocabulary (app.services.vocabulary): 电工上岗证 and
水电工 mean 电工, 毛笔字 means 书法, 大专 means 专科. Then each class still taking sign-ups is
checked and scored; each rule is a line of the plan's "why":

  eligible   a level they cannot enter yet is not recommended: a certificate level whose ladder step
             needs a level they don't hold (电工中级 needs 电工初级), a degree level whose step needs
             more education than they have (专科 needs 高中/中专). The plan says so, and shows the
             step before it instead. A level they already hold is not offered again.
  target     the class teaches what they asked for (a programme the vocabulary finds in their words,
             or their words themselves: characters, pinyin or initials; for degrees the level and
             the major when given)                                               +100
  town       in the town where they want to learn                                +30
  near       else, by the distance between town centres: 25 − km (at least 0);
             "邻近" within 10 km, otherwise "约 N 公里"                          +25 … 0
  days       on a weekday they said suits them                                   +20
  time       at a time of day they said suits them (morning/afternoon/evening)   +10
  seats      seats left: +10; full: on the waiting list                          −20
Ties go to the class that starts sooner. Classes of one programme make one card, ranked by its
best class. When nothing teaches the target, the nearest classes of the same kind are offered
instead (the target's 100 points are not given).

Degree cards add the cheaper or shorter programme of the same level, and the next step on the
ladder (专科 → 专升本). The mentor comes from the institution of the first card.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import and_, case, func, literal, or_, select

from app import clock
from app.extensions import db
from app.models import Mentor, Need, Offering, Programme, Resident, Town
from app.services import incentives, learning, search, vocabulary
from app.vocabulary import DEGREE_LEVELS, EDUCATION_RANK, Kind

MAX_CARDS = 5
MAX_CLASSES = 4  # classes shown on one programme's card
MAX_ALTERNATIVES = 3
CANDIDATES = 120  # the best by the rules in SQL; enough to fill the cards after hold-backs
LEVEL_ORDER = list(DEGREE_LEVELS)
TIMES = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(18, 0)),
    "evening": (dt.time(18, 0), dt.time(23, 59)),
}
_SUFFIX = re.compile(r"(证书|证|培训班|培训|课程|课|班)$")


@dataclass(frozen=True)
class Reason:
    # target / same_kind / town / near / far / other_town / days / not_days / time / seats / waitlist
    # on a card: first_level / holds / cheaper / shorter
    code: str
    value: str | int | tuple | None = None


@dataclass
class Match:
    """One class and why it is suggested."""

    offering: Offering
    score: int
    reasons: list[Reason]
    km: float | None = None
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

    @property
    def distance(self) -> str | None:
        """own (本镇) / near (邻近) / far (约 N 公里) / None (unknown)."""
        codes = {r.code for r in self.reasons}
        return next((c for c in ("town", "near", "far") if c in codes), None)


@dataclass
class Held:
    """A class not recommended: what it needs that they don't have (or that they already hold it)."""

    programme: Programme
    why: str  # certificate / education / holds
    needs: str | None  # the level or education it needs, in words
    first: str | None  # the level to learn first


@dataclass
class Card:
    """One programme with its classes (best first) and what is true of it."""

    programme: Programme
    classes: list[Match]
    reasons: list[Reason] = field(default_factory=list)
    incentives: list[incentives.Incentive] = field(default_factory=list)
    next_step: vocabulary.DegreeLadderStep | None = None
    next_programme: Programme | None = None

    @property
    def best(self) -> Match:
        return self.classes[0]

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
    requires: str = ""
    route: str = ""
    possible: int = 0  # the most it could be if the unknown conditions are met

    @property
    def cost_after_incentives(self) -> int | None:
        return None if self.tuition is None else max(self.tuition - self.incentive, 0)


@dataclass
class Plan:
    need: Need
    cards: list[Card]
    alternative_cards: list[Card]
    path: list[PathStep]
    held: list[Held] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)  # what the vocabulary read in the target

    @property
    def matches(self) -> list[Match]:
        return [m for card in self.cards for m in card.classes]

    @property
    def alternatives(self) -> list[Match]:
        return [m for card in self.alternative_cards for m in card.classes]

    @property
    def unmet(self) -> bool:
        return not self.cards


@dataclass
class _Found:
    cards: list[Card]
    alternatives: list[Card]
    held: list[Held]
    programmes: list[str]


def target_terms(target: str) -> list[str]:
    """Words of the target that must appear in a class: 电工证 → 电工; 电工 培训 → 电工 (培训 says nothing)."""
    words = search.query_terms(target)
    terms = [stripped for stripped in (_SUFFIX.sub("", w) for w in words) if stripped]
    return terms or words


def degree_level(target: str) -> str | None:
    """The degree level a target names (大专 → 专科, 专升本 → 本科), through the vocabulary."""
    return next((p for p in vocabulary.programme_terms(target, Kind.DEGREE) if p in LEVEL_ORDER), None)


def _sql_points(need: Need, town_id: int | None, lexicon: vocabulary.Lexicon):
    """The town, near, days, time and seats rules as one SQL expression, so the database hands over
    the best CANDIDATES classes (not merely the soonest); score() then says why, line by line."""
    town_points = [(Offering.town_id == town_id, 30)] if town_id else []
    for other in lexicon.positions:
        km = lexicon.km(town_id, other)
        if other != town_id and km is not None and (points := max(0, 25 - round(km))):
            town_points.append((Offering.town_id == other, points))
    total = case(*town_points, else_=0) if town_points else literal(0)
    if need.weekday_list:
        total = total + case((Offering.weekday.in_(need.weekday_list), 20), else_=0)
    windows = [TIMES[name] for name in need.time_list if name in TIMES]
    if windows:
        fits = or_(*(and_(Offering.start_time >= start, Offering.start_time < end) for start, end in windows))
        total = total + case((fits, 10), else_=0)
    return total + case((Offering.capacity > Offering.seats_taken, 10), else_=-20)


def _candidates(need: Need, today: dt.date, conditions: list, points=None) -> list:
    """The best classes still taking sign-ups, as light rows (the attributes score() and hold_back()
    read); the few a plan shows are loaded in full afterwards (_load)."""
    query = (
        select(
            Offering.id,
            Offering.programme_id,
            Offering.town_id,
            Offering.institution_id,
            Offering.weekday,
            Offering.start_time,
            Offering.start_date,
            Offering.capacity,
            Offering.seats_taken,
            Programme.kind,
            Programme.cert_level,
            Programme.certificate,
            Programme.degree_level,
            Town.name,
        )
        .join(Programme, Programme.id == Offering.programme_id)
        .join(Town, Town.id == Offering.town_id)
        .where(
            Offering.kind == need.kind,
            Offering.open_for_signup(today),
            Offering.still_running(today),
            *conditions,
        )
        .order_by(*([points.desc()] if points is not None else []), Offering.start_date, Offering.id)
        .limit(CANDIDATES)
    )
    rows = []
    for r in db.session.execute(query):
        programme = SimpleNamespace(
            id=r.programme_id,
            kind=r.kind,
            cert_level=r.cert_level,
            certificate=r.certificate,
            degree_level=r.degree_level,
        )
        rows.append(
            SimpleNamespace(
                id=r.id,
                programme_id=r.programme_id,
                programme=programme,
                town_id=r.town_id,
                town=SimpleNamespace(name=r.name),
                institution_id=r.institution_id,
                weekday=r.weekday,
                start_time=r.start_time,
                start_date=r.start_date,
                seats_left=max(r.capacity - r.seats_taken, 0),
            )
        )
    return rows


def _load(cards: list[Card]) -> None:
    """Swap the light rows of the classes shown for the classes themselves (one query)."""
    ids = [m.offering.id for card in cards for m in card.classes]
    if not ids:
        return
    full = {o.id: o for o in db.session.scalars(Offering.listing().where(Offering.id.in_(ids)))}
    for card in cards:
        for match in card.classes:
            match.offering = full[match.offering.id]
        card.programme = card.classes[0].offering.programme


def _like_any(words: list[str]):
    return or_(*(Offering.search_key.like(search.like_pattern(w)) for w in words))


def _target_conditions(need: Need, programmes: list[str]) -> list | None:
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
            conditions.append(_like_any(terms))
        return conditions or None
    terms = target_terms(need.target)
    if programmes:  # the programmes the vocabulary read, or the words as typed
        return [_like_any(list(dict.fromkeys([*programmes, *terms])))]
    if not terms:
        return None
    return [Offering.search_key.like(search.like_pattern(t)) for t in terms]


def score(offering: Offering, need: Need, town_id: int | None, lexicon: vocabulary.Lexicon | None = None) -> Match:
    lexicon = lexicon or vocabulary.lexicon()
    reasons = [Reason("target", need.target)]
    points = 100
    km = None
    if town_id and offering.town_id == town_id:
        points += 30
        reasons.append(Reason("town", offering.town.name))
    else:
        km = lexicon.km(town_id, offering.town_id)
        if km is None:
            reasons.append(Reason("other_town", offering.town.name))
        else:
            points += max(0, 25 - round(km))
            code = "near" if km <= vocabulary.NEAR_KM else "far"
            reasons.append(Reason(code, (offering.town.name, max(round(km), 1))))
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
    return Match(offering=offering, score=points, reasons=reasons, km=km)


def _rank(matches: list[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (-m.score, m.offering.start_date, m.offering.id))


def _education(need: Need) -> str | None:
    return need.resident.education if need.resident else None


def _first_degree_step(education: str | None, lexicon: vocabulary.Lexicon) -> vocabulary.DegreeLadderStep | None:
    """The lowest step of the degree ladder they can enter and don't have yet."""
    rank = EDUCATION_RANK.get(education or "")
    for step in lexicon.degree_steps:
        gives = EDUCATION_RANK.get(step.attains_education, 0)
        if rank is not None and rank >= gives:
            continue
        if vocabulary.education_enough(education, step.requires_education) is not False:
            return step
    return None


def hold_back(programme: Programme, need: Need, lexicon: vocabulary.Lexicon) -> Held | None:
    """Why this programme is not for them yet (or any more), or None when they can enter it."""
    if programme.kind == Kind.SKILL and programme.cert_level:
        # What they said they hold, or what their learning record holds (a higher level wins).
        held = learning.higher(
            need.held_level, learning.level_held(need.resident_id, programme.certificate, clock.today())
        )
        if vocabulary.held_enough(held, programme.cert_level) and held:
            return Held(programme, "holds", programme.cert_level, None)
        step = lexicon.cert_step(programme.certificate, programme.cert_level)
        if step and not vocabulary.held_enough(held, step.requires_level):
            return Held(programme, "certificate", step.requires, step.requires_level)
    if programme.kind == Kind.DEGREE and programme.degree_level:
        step = lexicon.degree_step(programme.degree_level)
        education = _education(need)
        if step and vocabulary.education_enough(education, step.requires_education) is False:
            first = _first_degree_step(education, lexicon)
            return Held(programme, "education", step.requires, first.level if first else None)
    return None


def _cards(matches: list[Match], limit: int) -> list[Card]:
    """Classes of one programme on one card, cards in the order of their best class."""
    cards: dict[int, Card] = {}
    for match in _rank(matches):
        card = cards.get(match.offering.programme_id)
        if card is None:
            if len(cards) >= limit:
                continue
            card = cards[match.offering.programme_id] = Card(match.offering.programme, [])  # type: ignore[arg-type]
        if len(card.classes) < MAX_CLASSES:
            card.classes.append(match)
    return list(cards.values())


def _find(need: Need, today: dt.date) -> _Found:
    lexicon = vocabulary.lexicon()
    town_id = need.town_id or (need.resident.town_id if need.resident else None)
    programmes = lexicon.programmes(need.target, need.kind)  # for degrees: the level (大专 → 专科)
    conditions = _target_conditions(need, programmes)
    held: dict[int, Held] = {}

    def eligible(offerings: list[Offering], say_why: bool = True) -> list[Offering]:
        kept = []
        for offering in offerings:
            reason = hold_back(offering.programme, need, lexicon)
            if reason is None:
                kept.append(offering)
            elif say_why:  # only for what they asked for, not for every class of the kind
                held.setdefault(offering.programme_id, reason)
        return kept

    points = _sql_points(need, town_id, lexicon)
    found = eligible(_candidates(need, today, conditions, points)) if conditions else []
    matches = [score(o, need, town_id, lexicon) for o in found]
    if not matches and need.kind == Kind.DEGREE and held:
        # The level they asked for needs more education: the step before it, whatever the major.
        first = next((h.first for h in held.values() if h.first), None)
        if first:
            step_before = eligible(_candidates(need, today, [Programme.degree_level == first], points))
            matches = [score(o, need, town_id, lexicon) for o in step_before]
            for match in matches:
                match.reasons[0] = Reason("first_step", first)
    cards = _cards(matches, MAX_CARDS)
    alternatives: list[Card] = []
    if not cards:
        others = []
        for offering in eligible(_candidates(need, today, [], points), say_why=False):
            match = score(offering, need, town_id, lexicon)
            match.score -= 100
            match.reasons[0] = Reason("same_kind", need.kind)
            others.append(match)
        alternatives = _cards(others, MAX_ALTERNATIVES)
    _load(cards + alternatives)
    shown = {m.offering.programme_id for card in cards for m in card.classes}
    held_rows = [h for pid, h in held.items() if pid not in shown]
    if held_rows:  # the programmes held back, in full, for their names
        full = {
            p.id: p
            for p in db.session.scalars(select(Programme).where(Programme.id.in_([h.programme.id for h in held_rows])))
        }
        held_rows = [dataclasses.replace(h, programme=full[h.programme.id]) for h in held_rows]
    return _Found(cards, alternatives, held_rows, programmes)


def suggestions(need: Need, today: dt.date) -> tuple[list[Match], list[Match]]:
    """(matches, alternatives): classes that teach the target and that they can enter, ranked and
    grouped by programme; or when there are none, the nearest classes of the same kind."""
    found = _find(need, today)
    flat = lambda cards: [m for card in cards for m in card.classes]  # noqa: E731
    return flat(found.cards), flat(found.alternatives)


def plan(need: Need, today: dt.date) -> Plan:
    found = _find(need, today)
    lexicon = vocabulary.lexicon()
    policies = incentives.active_policies()
    facts = incentives.facts_of(need.resident)
    for card in found.cards + found.alternatives:
        card.incentives = incentives.for_learner(card.programme, facts, policies)
        for match in card.classes:
            match.incentives = card.incentives
        _card_reasons(card, need, lexicon)
    if need.kind == Kind.DEGREE:
        _degree_extras(found.cards, lexicon, today)
    matches = [m for card in found.cards for m in card.classes]
    path = degree_path(need.resident, need, matches, policies, today) if need.kind == Kind.DEGREE else []
    return Plan(need, found.cards, found.alternatives, path, found.held, found.programmes)


def _card_reasons(card: Card, need: Need, lexicon: vocabulary.Lexicon) -> None:
    """What is true of this programme for them: the level they can enter and why."""
    programme = card.programme
    if programme.kind == Kind.SKILL and programme.cert_level:
        step = lexicon.cert_step(programme.certificate, programme.cert_level)
        if step and step.requires_level:
            card.reasons.append(Reason("holds", step.requires_level))
        elif step:
            card.reasons.append(Reason("first_level", programme.cert_level))


def _degree_extras(cards: list[Card], lexicon: vocabulary.Lexicon, today: dt.date) -> None:
    """For each degree card: a cheaper or shorter programme of the same level, and the next step."""
    if not cards:
        return
    levels = {c.programme.degree_level for c in cards} | {
        s.level for c in cards if (s := lexicon.next_degree_step(c.programme.degree_level))
    }
    query = (
        select(Programme)
        .where(
            Programme.kind == Kind.DEGREE,
            Programme.degree_level.in_([lv for lv in levels if lv]),
            select(Offering.id).where(Offering.programme_id == Programme.id, Offering.open_for_signup(today)).exists(),
        )
        .order_by(Programme.tuition, Programme.years, Programme.id)
    )
    by_level: dict[str, list[Programme]] = {}
    for programme in db.session.scalars(query):
        by_level.setdefault(programme.degree_level, []).append(programme)
    for card in cards:
        mine = card.programme
        same = [p for p in by_level.get(mine.degree_level, []) if p.id != mine.id]
        cheaper = next((p for p in same if (p.tuition or 0) < (mine.tuition or 0)), None)
        shorter = min(
            (p for p in same if p.years and mine.years and p.years < mine.years), key=lambda p: p.years, default=None
        )
        if cheaper:
            card.reasons.append(Reason("cheaper", (cheaper.name, cheaper.tuition)))
        if shorter and shorter is not cheaper:
            card.reasons.append(Reason("shorter", (shorter.name, shorter.years)))
        card.next_step = lexicon.next_degree_step(mine.degree_level)
        if card.next_step:
            card.next_programme = next(iter(by_level.get(card.next_step.level, [])), None)


def degree_path(resident: Resident, need: Need, matches: list[Match], policies, today: dt.date) -> list[PathStep]:
    """初中 → 中专 → 专科 → 本科, from the degree ladder: the steps from their education to the
    target, each with the shortest programme on offer, its tuition and what incentives give back."""
    lexicon = vocabulary.lexicon()
    first = _first_degree_step(resident.education, lexicon)
    goal = degree_level(need.target) or (matches[0].offering.programme.degree_level if matches else None)
    levels = [s.level for s in lexicon.degree_steps]
    if first is None or goal not in levels or levels.index(first.level) > levels.index(goal):
        return []
    steps = []
    facts = incentives.facts_of(resident)  # one look at what they already claimed, for every step
    chosen = {m.offering.programme.degree_level: m.offering.programme for m in reversed(matches)}
    for step in lexicon.degree_steps[levels.index(first.level) : levels.index(goal) + 1]:
        programme = chosen.get(step.level) or _cheapest_programme(step.level, today)
        if programme is None:
            steps.append(PathStep(step.level, None, None, 0, None, step.requires, step.route))
            continue
        back = incentives.estimate(programme, facts, policies)
        steps.append(
            PathStep(
                step.level,
                programme.years,
                programme.tuition,
                back.cash_total,
                programme,
                step.requires,
                step.route,
                back.best_possible,
            )
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
    """The active mentor for this need, by subject and then load: first those whose subjects
    (Mentor.subjects) include the programme asked for, else those who guide its kind; among them,
    from the institution of the first choice, then from the other institutions that teach the
    matches; then the one with the fewest residents."""
    named = [getattr(m.offering.programme, "name", "") for m in matches]
    words = [need.target, need.major or "", *vocabulary.lexicon().programmes(need.target, need.kind), *named]
    terms = [t for t in dict.fromkeys(words) if t]
    first = matches[0].offering.institution_id if matches else None
    preferred = {m.offering.institution_id for m in matches}
    mentors = list(db.session.scalars(select(Mentor).where(Mentor.active.is_(True))))
    if not mentors:
        return None
    load = dict(
        db.session.execute(
            select(Need.mentor_id, func.count(func.distinct(Need.resident_id)))
            .where(Need.mentor_id.in_([m.id for m in mentors]))
            .group_by(Need.mentor_id)
        ).all()
    )

    def subject_hit(mentor: Mentor) -> bool:
        return any(s == t or s in t or t in s for s in mentor.subject_list for t in terms)

    fit = [m for m in mentors if subject_hit(m) or need.kind in [k.strip() for k in m.kinds.split(",")]]
    if not fit:
        return None
    return min(
        fit,
        key=lambda m: (
            not subject_hit(m),
            m.institution_id != first if first else False,
            m.institution_id not in preferred if preferred else False,
            load.get(m.id, 0),
            m.id,
        ),
    )


# Which programmes a need's target names: where the 驾驶舱 suggests opening a class ----------------


@dataclass(frozen=True)
class ProgrammeKey:
    """A programme as the target rules see it: its name, kind, degree level and search key."""

    name: str
    kind: str
    degree_level: str | None
    key: str


def programme_keys() -> list[ProgrammeKey]:
    """Every programme's key, one per name and kind (the same course at two institutions is one)."""
    rows = db.session.execute(
        select(Programme.name, Programme.kind, Programme.degree_level, Programme.major, Programme.certificate)
        .distinct()
        .order_by(Programme.name)
    )
    seen: dict[tuple[str, str], ProgrammeKey] = {}
    for name, kind, level, major, certificate in rows:
        seen.setdefault((name, kind), ProgrammeKey(name, kind, level, search.search_key([name, major, certificate])))
    return list(seen.values())


def programmes_for(kind: str, target: str, programmes: list[ProgrammeKey]) -> list[str]:
    """Names of the programmes that teach what `target` asks for, by the same rules as a class
    suggestion (every target term in the programme's characters, pinyin or initials; for degrees the
    level), after the learning vocabulary's words for programmes: the one place the 驾驶舱 turns what
    people typed into programmes."""
    level = degree_level(target) if kind == "degree" else None
    # The learning vocabulary reads the words first (电工上岗证 → 电工, 毛笔字 → 书法).
    named = [search.normalise(name) for name in vocabulary.lexicon().programmes(target, kind)]
    terms = named or [t for t in target_terms(target) if not (kind == "degree" and degree_level(t))]
    found = []
    for programme in programmes:
        if programme.kind != kind:
            continue
        if kind == "degree" and level and programme.degree_level != level:
            continue
        if not terms and not level:
            continue
        if (any if named else all)(term in programme.key for term in terms):
            found.append(programme.name)
    return found


# Does a new class fit a need? The push's question (app.services.push), by the plan's own rules -------


def fits(
    offering_id: int, need: Need, today: dt.date, lexicon: vocabulary.Lexicon | None = None, cache: dict | None = None
) -> Match | None:
    """The class as the plan would suggest it for this need, or None unless it is one to tell them
    about: it is open for sign-up with a place left, teaches what they asked for (the target rule,
    in SQL as for the plan), they can enter it (hold_back), it is in their town or a neighbouring one
    (the "town" or "near" line: within vocabulary.NEAR_KM) and, when they named days, on one of them.
    `cache` (a dict the caller keeps for one class) saves the SQL for needs with the same wording."""
    lexicon = lexicon or vocabulary.lexicon()
    key = (need.kind, need.target, need.major)
    cache = {} if cache is None else cache
    if key not in cache:
        conditions = _target_conditions(need, lexicon.programmes(need.target, need.kind))
        rows = _candidates(need, today, [*conditions, Offering.id == offering_id]) if conditions else []
        cache[key] = rows[0] if rows else None
    row = cache[key]
    if row is None or row.seats_left <= 0 or hold_back(row.programme, need, lexicon) is not None:
        return None
    town_id = need.town_id or (need.resident.town_id if need.resident else None)
    match = score(row, need, town_id, lexicon)
    codes = {reason.code for reason in match.reasons}
    if not codes & {"town", "near"} or "not_days" in codes:
        return None
    return match
