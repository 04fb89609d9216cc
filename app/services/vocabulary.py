"""The learning vocabulary the bureau edits: which programme a resident's words mean, what a
certificate level or a degree level needs before it, and where towns are.

`programme_terms("电工上岗证") == ["电工"]`, `programme_terms("毛笔字") == ["书法"]`: matching, the
catalogue's search, the need form's suggestions and the dashboard (to group demand by programme)
ask here. The data is app/vocabulary.toml, loaded by `load_file()` into the tables of
app.models.vocabulary (only what is missing), then edited at /admin.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import g, has_app_context
from pypinyin import lazy_pinyin
from sqlalchemy import select

from app.extensions import db
from app.models import CertificateStep, DegreeStep, ProgrammeTerm, Town
from app.services import search
from app.vocabulary import CERT_LEVELS, DEGREE_WORDS, EDUCATION_RANK

FILE = Path(__file__).resolve().parent.parent / "vocabulary.toml"
NEAR_KM = 10  # a town centre this close is "邻近" (neighbouring)
_CACHE = "_xuehou_lexicon"


@dataclass(frozen=True)
class Word:
    text: str  # normalised, no spaces
    pinyin: str
    programme: str
    kind: str


@dataclass(frozen=True)
class CertStep:
    """A row of certificate_steps, as plain values (they outlive the session that read them)."""

    occupation: str
    level: str
    requires_level: str | None
    requires: str


@dataclass(frozen=True)
class DegreeLadderStep:
    """A row of degree_steps, as plain values."""

    level: str
    route: str
    requires_education: str | None
    attains_education: str
    requires: str


@dataclass
class Lexicon:
    """The vocabulary as loaded once per request (a few hundred short rows), as plain values."""

    words: list[Word] = field(default_factory=list)
    cert_steps: dict[tuple[str, str], CertStep] = field(default_factory=dict)
    degree_steps: list[DegreeLadderStep] = field(default_factory=list)  # lowest first
    positions: dict[int, tuple[float, float]] = field(default_factory=dict)  # town id → (lat, lon)

    def programmes(self, text: str, kind: str | None = None) -> list[str]:
        """The programmes `text` names, longest word first; [] when it names none.

        A word counts where it appears in the text (电工上岗证 contains 电工上岗证 and 电工); a shorter
        word inside a longer one that means another programme is not counted (电焊工 is 焊工, not 电工).
        Typed pinyin (maobizi) is compared with each word's full pinyin."""
        flat = "".join(search.normalise(text).split())
        if not flat:
            return []
        ascii_text = flat.isascii()
        found: list[tuple[int, int, str]] = []  # (start, end, programme)
        for word in sorted(self.words, key=lambda w: -len(w.text)):
            if kind and word.kind != kind:
                continue
            haystack, needle = (flat, word.pinyin) if ascii_text else (flat, word.text)
            if ascii_text and len(needle) < 4:
                continue
            start = haystack.find(needle)
            if start < 0:
                continue
            end = start + len(needle)
            inside_other = any(s <= start and end <= e and p != word.programme for s, e, p in found)
            if not inside_other:
                found.append((start, end, word.programme))
        return list(dict.fromkeys(p for _s, _e, p in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0]))))

    def cert_step(self, occupation: str | None, level: str | None) -> CertStep | None:
        """The ladder step of `level`: the occupation's own, else the ladder for every occupation."""
        if not level:
            return None
        return self.cert_steps.get((occupation or "", level)) or self.cert_steps.get(("", level))

    def degree_step(self, level: str | None) -> DegreeLadderStep | None:
        return next((s for s in self.degree_steps if s.level == level), None)

    def next_degree_step(self, level: str | None) -> DegreeLadderStep | None:
        levels = [s.level for s in self.degree_steps]
        if level not in levels:
            return None
        index = levels.index(level) + 1
        return self.degree_steps[index] if index < len(levels) else None

    def km(self, from_town: int | None, to_town: int | None) -> float | None:
        """Straight-line distance between two town centres, or None when either is unknown."""
        a, b = self.positions.get(from_town or 0), self.positions.get(to_town or 0)
        if a is None or b is None:
            return None
        return distance_km(a, b)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, Earth radius 6,371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@lru_cache(maxsize=4096)
def _pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text))


def _word(text: str, programme: str, kind: str) -> Word:
    flat = "".join(search.normalise(text).split())
    return Word(flat, _pinyin(flat), programme, kind)


def lexicon() -> Lexicon:
    """The vocabulary, read once per app context (each request has its own)."""
    if has_app_context() and (cached := g.get(_CACHE)) is not None:
        return cached
    rows = db.session.execute(select(ProgrammeTerm.word, ProgrammeTerm.programme, ProgrammeTerm.kind)).all()
    words = [_word(word, programme, kind) for word, programme, kind in rows]
    # A programme's own name is a word for it too.
    words += [_word(p, p, k) for p, k in dict.fromkeys((programme, kind) for _w, programme, kind in rows)]
    # The degree words every county has, when the table does not say them.
    known = {w.text for w in words}
    words += [_word(text, level, "degree") for text, level in DEGREE_WORDS.items() if text not in known]
    steps = db.session.scalars(select(CertificateStep)).all()
    towns = db.session.execute(
        select(Town.id, Town.latitude, Town.longitude).where(Town.latitude.is_not(None), Town.longitude.is_not(None))
    ).all()
    ladder = db.session.scalars(select(DegreeStep).order_by(DegreeStep.position, DegreeStep.id))
    found = Lexicon(
        words=words,
        cert_steps={
            (s.occupation, s.level): CertStep(s.occupation, s.level, s.requires_level, s.requires) for s in steps
        },
        degree_steps=[
            DegreeLadderStep(s.level, s.route, s.requires_education, s.attains_education, s.requires) for s in ladder
        ],
        positions={town_id: (lat, lon) for town_id, lat, lon in towns},
    )
    if has_app_context():
        g.setdefault(_CACHE, found)
    return found


def forget() -> None:
    """Drop this request's copy after an edit, so the rest of the request sees the change."""
    if has_app_context():
        g.pop(_CACHE, None)


def programme_terms(target: str, kind: str | None = None) -> list[str]:
    """The canonical programme name(s) that `target` means (电工上岗证 → ["电工"]; 大专 → ["专科"]);
    [] when the vocabulary knows none of its words. The dashboard groups demand by the first."""
    return lexicon().programmes(target, kind)


def programme_of(target: str, kind: str | None = None) -> str:
    """The programme to group a need under: the first canonical name, else the target as typed."""
    names = programme_terms(target, kind)
    return names[0] if names else "".join(search.normalise(target).split())


def suggestions(kind: str | None, limit: int = 60) -> list[str]:
    """Programme names and everyday words of `kind`, for the need form's suggestions."""
    words = [w for w in lexicon().words if not kind or w.kind == kind]
    names = list(dict.fromkeys(w.programme for w in words))
    return (names + [w.text for w in words if w.text not in names])[:limit]


def held_enough(held: str | None, needed: str | None) -> bool:
    """Does holding certificate level `held` meet a step that needs `needed`?"""
    if not needed:
        return True
    if not held or held not in CERT_LEVELS or needed not in CERT_LEVELS:
        return False
    return CERT_LEVELS.index(held) >= CERT_LEVELS.index(needed)


def education_enough(education: str | None, needed: str | None) -> bool | None:
    """Does an education answer meet a degree step's requirement? None when the answer is unknown."""
    if not needed:
        return True
    if education not in EDUCATION_RANK:
        return None
    return EDUCATION_RANK[education] >= EDUCATION_RANK.get(needed, 0)


# Certificate levels as people write them (职业技能等级) -------------------------------------------

_BRACKETS = "（）()【】[]「」<>《》·:：-—_/、，,"


@lru_cache(maxsize=1)
def level_words() -> tuple[tuple[str, str], ...]:
    """(word, level) for every way of writing a certificate level, longest word first: the levels'
    own names and the `cert_level_words` of app/vocabulary.toml (五级 → 初级 … 一级 → 高级技师)."""
    table = read_file().get("cert_level_words", {})
    pairs = {level: level for level in CERT_LEVELS}
    for level, words in table.items():
        for word in words:
            pairs["".join(search.normalise(word).split())] = level
    return tuple(sorted(pairs.items(), key=lambda p: -len(p[0])))


def occupation_level(text: str) -> tuple[str | None, str | None]:
    """The occupation and certificate level a job's or a certificate's words name, in the
    vocabulary's own words: "电工（中级）" and "电工四级" are both ("电工", "中级"); "低压电工证 五级" is
    ("电工", "初级"). The occupation is the skill programme the words mean (else the words as typed,
    without the level), None when nothing is left; the level None when none is written."""
    flat = "".join(search.normalise(text or "").split())
    level = None
    for word, found in level_words():
        if word and word in flat:
            level, flat = found, flat.replace(word, "", 1)
            break
    flat = flat.strip(_BRACKETS).replace("证书", "").replace("证", "") if flat else flat
    flat = flat.strip(_BRACKETS)
    if not flat:
        return None, level
    names = programme_terms(flat, "skill")
    return (names[0] if names else flat), level


def same_certificate(a: str, b: str) -> bool:
    """Do two writings name the same occupation at the same level (电工（中级） = 电工四级)?"""
    return occupation_level(a) == occupation_level(b) != (None, None)


# Loading the file ----------------------------------------------------------------------------


def read_file(path: Path = FILE) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def load_file(path: Path = FILE) -> dict[str, int]:
    """Add the file's words, ladder steps and town positions that the database lacks; never change a
    row the bureau has edited. Returns how many of each were added (towns: positions set)."""
    data = read_file(path)
    added = {"terms": 0, "certificate_steps": 0, "degree_steps": 0, "town_positions": 0, "town_names": 0}
    known_words = set(db.session.scalars(select(ProgrammeTerm.word)))
    for kind, programmes in data.get("terms", {}).items():
        for programme, words in programmes.items():
            for word in words:
                if word not in known_words:
                    db.session.add(ProgrammeTerm(word=word, programme=programme, kind=kind))
                    known_words.add(word)
                    added["terms"] += 1
    known_steps = set(db.session.execute(select(CertificateStep.occupation, CertificateStep.level)).all())
    for row in data.get("certificate_steps", []):
        if (row["occupation"], row["level"]) not in known_steps:
            db.session.add(CertificateStep(**{"requires_level": None, **row}))
            added["certificate_steps"] += 1
    known_levels = set(db.session.scalars(select(DegreeStep.level)))
    for row in data.get("degree_steps", []):
        if row["level"] not in known_levels:
            db.session.add(DegreeStep(**row))
            added["degree_steps"] += 1
    towns = {t.name: t for t in db.session.scalars(select(Town))}
    for row in data.get("towns", []):
        town = towns.get(row["name"])
        if town is not None and town.latitude is None and town.longitude is None:
            town.latitude, town.longitude = row["latitude"], row["longitude"]
            added["town_positions"] += 1
        if town is not None and not town.name_en and row.get("name_en"):
            town.name_en = row["name_en"]  # the English (pinyin) name, where the bureau has given none
            added["town_names"] += 1
    db.session.flush()
    forget()
    return added
