"""The demo county (Pinghu) and synthetic county-sized data for benchmarks.

Both are idempotent: records are found by their natural keys (town and institution names, a
programme's name at its institution, an offering's code) and only missing ones are added.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import tomllib
from pathlib import Path

from sqlalchemy import func, insert, select

from app import demo_earn
from app.clock import TZ, utcnow
from app.extensions import db
from app.models import (
    Allocation,
    EnrolmentSource,
    EnrolmentStatus,
    Institution,
    Mentor,
    Need,
    NeedSource,
    NeedStatus,
    Offering,
    OfferingStatus,
    OutcomeKind,
    Policy,
    Programme,
    Resident,
    Session,
    SessionStatus,
    Town,
)
from app.models.enrolment import SEATED
from app.services import catalogue, search, vocabulary
from app.services.schedule import weekly_dates
from app.vocabulary import CertLevel, DegreeLevel, Kind

COUNTY = tomllib.loads((Path(__file__).parent / "demo_county.toml").read_text(encoding="utf-8"))
TOWNS: list[str] = COUNTY["towns"]
PATTERNS: dict[str, list[list]] = COUNTY["patterns"]


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def load_demo(today: dt.date) -> dict[str, int]:
    """Add the demo county; returns how many records of each sort were added."""
    added = {"towns": 0, "institutions": 0, "programmes": 0, "offerings": 0, "policies": 0, "mentors": 0, "words": 0}
    towns = {t.name: t for t in db.session.scalars(select(Town))}
    for order, name in enumerate(TOWNS):
        if name not in towns:
            towns[name] = Town(name=name, sort_order=order)
            db.session.add(towns[name])
            added["towns"] += 1
    institutions = {i.name: i for i in db.session.scalars(select(Institution))}
    for row in COUNTY["institutions"]:
        if row["name"] not in institutions:
            institutions[row["name"]] = Institution(**{**row, "town": towns[row["town"]]})
            db.session.add(institutions[row["name"]])
            added["institutions"] += 1
    db.session.flush()

    existing_programmes = {(p.institution_id, p.name): p for p in db.session.scalars(select(Programme))}
    existing_codes = set(db.session.scalars(select(Offering.code)))
    rng = random.Random(2026)
    serial = 0
    for index, spec in enumerate(COUNTY["programmes"]):
        institution = institutions[spec["institution"]]
        programme = existing_programmes.get((institution.id, spec["name"]))
        if programme is None:
            programme = Programme(**{**spec, "institution": institution})
            db.session.add(programme)
            added["programmes"] += 1
        # Two classes of most programmes: one running now, one starting later.
        runs = 1 if spec["kind"] == Kind.DEGREE and index % 2 else 2
        for run in range(runs):
            serial += 1
            code = f"PH26-{serial:03d}"
            if code in existing_codes:
                continue
            db.session.add(_demo_offering(code, serial, programme, institution, towns, run, today, rng))
            added["offerings"] += 1
    db.session.flush()
    for offering in db.session.scalars(select(Offering).where(Offering.search_key == "")):
        catalogue.refresh_search_key(offering)
    added["words"] = sum(vocabulary.load_file().values())
    _fill_english_names(institutions)
    added["policies"] = _add_policies()
    added["mentors"] = _add_mentors(institutions)
    db.session.flush()
    added["learn-to-earn records"] = demo_earn.load(COUNTY.get("earn", {}), today)
    return added


def _fill_english_names(institutions: dict[str, Institution]) -> None:
    """English names from the file for records loaded before they had any (never over one given)."""
    for row in COUNTY["institutions"]:
        institution = institutions[row["name"]]
        if not institution.name_en:
            institution.name_en = row.get("name_en", "")
    programmes = {(p.institution_id, p.name): p for p in db.session.scalars(select(Programme))}
    for spec in COUNTY["programmes"]:
        programme = programmes.get((institutions[spec["institution"]].id, spec["name"]))
        if programme is not None and not programme.name_en:
            programme.name_en = spec.get("name_en", "")
    policies = {p.code: p for p in db.session.scalars(select(Policy))}
    for row in COUNTY["policies"]:
        policy = policies.get(row["code"])
        if policy is not None and not policy.name_en:
            policy.name_en = row.get("name_en", "")


def _add_policies() -> int:
    known = set(db.session.scalars(select(Policy.code)))
    new = [Policy(**row) for row in COUNTY["policies"] if row["code"] not in known]
    db.session.add_all(new)
    return len(new)


def _add_mentors(institutions: dict[str, Institution]) -> int:
    known = {(m.name, m.institution_id) for m in db.session.scalars(select(Mentor))}
    new = [
        Mentor(**{**row, "institution": institutions[row["institution"]]})
        for row in COUNTY["mentors"]
        if (row["name"], institutions[row["institution"]].id) not in known
    ]
    db.session.add_all(new)
    return len(new)


def _demo_offering(code, serial, programme, institution, towns, run, today, rng) -> Offering:
    kind = programme.kind
    weekday, start, end = PATTERNS[kind][(serial + run) % len(PATTERNS[kind])]
    weeks = {Kind.DEGREE: 18, Kind.SKILL: 10, Kind.COMMUNITY: 12}[kind]
    if run == 0:  # running now: started a few weeks ago, sign-up still open for late joiners or closed
        start_date = today - dt.timedelta(weeks=rng.randint(1, 4))
    else:  # starting in a few weeks
        start_date = today + dt.timedelta(weeks=rng.randint(1, 6))
    start_date += dt.timedelta(days=(weekday - start_date.isoweekday()) % 7)
    end_date = start_date + dt.timedelta(weeks=weeks - 1)
    capacity = {Kind.DEGREE: 40, Kind.SKILL: 30, Kind.COMMUNITY: 20}[kind]
    # Some classes are full, some past their deadline: the catalogue must say so.
    taken = capacity if serial % 6 == 0 else rng.randint(0, capacity - 3)
    deadline = start_date + dt.timedelta(days=7) if run == 0 else start_date - dt.timedelta(days=2)
    if serial % 9 == 0:
        deadline = today - dt.timedelta(days=3)
    # Community classes in neighbouring towns: the school also teaches in village halls.
    town = institution.town
    place = institution.address
    if kind == Kind.COMMUNITY and run == 1 and institution.type == "senior_university":
        town = towns[TOWNS[serial % len(TOWNS)]]
        place = f"{town.name}文化礼堂"
    fee = {
        Kind.DEGREE: programme.tuition or 0,
        Kind.SKILL: 300 + 100 * (serial % 5),
        Kind.COMMUNITY: 0 if serial % 3 else 120,
    }[kind]
    offering = Offering(
        code=code,
        programme=programme,
        institution=institution,
        town=town,
        kind=kind,
        place=place,
        start_date=start_date,
        end_date=end_date,
        weekday=weekday,
        start_time=_time(start),
        end_time=_time(end),
        capacity=capacity,
        seats_taken=taken,
        fee=fee,
        signup_deadline=deadline,
        status=OfferingStatus.CLOSED if serial % 25 == 0 else OfferingStatus.OPEN,
        senior_friendly=kind == Kind.COMMUNITY and (programme.audience or "").startswith("长辈"),
    )
    _demo_allocation(offering, serial, run, institution)
    for seq, day in enumerate(weekly_dates(start_date, end_date, weekday), start=1):
        session = Session(seq=seq, date=day, start_time=offering.start_time, end_time=offering.end_time)
        if serial % 4 == 0 and seq == 3:
            session.status = SessionStatus.MOVED
            session.original_date = day
            session.date = day + dt.timedelta(days=1)
            session.note = "因场地安排调整"
        if serial % 5 == 0 and seq == 4:
            session.status = SessionStatus.CANCELLED
            session.note = "教师外出培训，本次停课"
        offering.sessions.append(session)
    return offering


def _demo_allocation(offering: Offering, serial: int, run: int, institution: Institution) -> None:
    """A few popular senior classes allocate by lottery; an enterprise's later classes open only when
    enough sign up (组班). Their counts start at zero: places there come only from real sign-ups."""
    if offering.senior_friendly and run == 1 and serial % 3 == 0:
        closes = dt.datetime.combine(offering.start_date - dt.timedelta(days=5), dt.time(20, 0), tzinfo=TZ)
        offering.allocation = Allocation.LOTTERY
        offering.lottery_closes_at = closes.astimezone(dt.UTC)
        offering.signup_deadline = offering.start_date - dt.timedelta(days=2)  # after the draw: first come
        offering.seats_taken = 0
    elif institution.type == "enterprise" and run == 1:
        offering.min_to_open = 15
        offering.seats_taken = 0


# -- county-sized synthetic data ------------------------------------------------------------

SCALE_SUBJECTS = {
    Kind.DEGREE: ["法学", "会计学", "行政管理", "工商管理", "学前教育", "机电一体化技术", "计算机应用技术", "护理"],
    Kind.SKILL: ["电工", "焊工", "叉车司机", "中式烹调师", "育婴员", "养老护理员", "电子商务师", "茶艺师", "保育员"],
    Kind.COMMUNITY: ["烘焙", "书法", "太极拳", "智能手机使用", "广场舞", "合唱", "国画", "摄影", "葫芦丝", "编织"],
}
SCALE_PREFIX = "GS-"


def generate_offerings(count: int, today: dt.date, batch: int = 2000) -> int:
    """Add synthetic offerings (code GS-n) until there are `count`; bulk inserts; returns how many added."""
    if not db.session.scalar(select(func.count(Town.id))):
        load_demo(today)
    have = db.session.scalar(select(func.count(Offering.id)).where(Offering.code.like(f"{SCALE_PREFIX}%"))) or 0
    if have >= count:
        return 0
    institutions = list(db.session.scalars(select(Institution)))
    towns = list(db.session.scalars(select(Town)))
    programmes = _scale_programmes(institutions)
    rng = random.Random(have)
    keys: dict[tuple[int, int], str] = {}
    rows: list[dict] = []
    for n in range(have, count):
        programme = programmes[n % len(programmes)]
        institution = programme.institution
        town = towns[rng.randrange(len(towns))] if programme.kind == Kind.COMMUNITY else institution.town
        weekday, start, end = rng.choice(PATTERNS[programme.kind])
        start_date = today + dt.timedelta(days=rng.randint(-60, 90))
        end_date = start_date + dt.timedelta(weeks=rng.randint(6, 16))
        key = (programme.id, town.id)
        if key not in keys:
            keys[key] = search.search_key([programme.name], [institution.name, town.name])
        capacity = rng.choice([20, 30, 40])
        rows.append(
            dict(
                code=f"{SCALE_PREFIX}{n + 1}",
                programme_id=programme.id,
                institution_id=institution.id,
                town_id=town.id,
                kind=programme.kind,
                place=f"{town.name}教学点",
                start_date=start_date,
                end_date=end_date,
                weekday=weekday,
                start_time=_time(start),
                end_time=_time(end),
                capacity=capacity,
                seats_taken=rng.randint(0, capacity),
                fee=rng.choice([0, 0, 200, 500]),
                signup_deadline=start_date + dt.timedelta(days=7),
                status=OfferingStatus.OPEN,
                senior_friendly=programme.kind == Kind.COMMUNITY and rng.random() < 0.6,
                search_key=keys[key],
            )
        )
        if len(rows) >= batch:
            _insert_offerings(rows)
    _insert_offerings(rows)
    return count - have


def _insert_offerings(rows: list[dict]) -> None:
    """Bulk-insert offerings with their sessions, then empty `rows` for the next batch."""
    catalogue.bulk_insert_offerings(rows)
    rows.clear()


def _scale_programmes(institutions: list[Institution]) -> list[Programme]:
    existing = {(p.institution_id, p.name): p for p in db.session.scalars(select(Programme))}
    programmes = []
    for kind, subjects in SCALE_SUBJECTS.items():
        for i, subject in enumerate(subjects):
            institution = institutions[(i * 7 + len(kind)) % len(institutions)]
            name = f"{subject}（综合班）"
            programme = existing.get((institution.id, name))
            if programme is None:
                programme = Programme(institution=institution, kind=kind, name=name)
                db.session.add(programme)
            programmes.append(programme)
    db.session.flush()
    return programmes


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕萍飞鹏"
SCALE_TARGETS = {
    Kind.DEGREE: ["大专", "本科", "中专"],
    Kind.SKILL: SCALE_SUBJECTS[Kind.SKILL],
    Kind.COMMUNITY: SCALE_SUBJECTS[Kind.COMMUNITY],
}


def generate_people(residents: int, needs: int, today: dt.date, batch: int = 5000) -> tuple[int, int]:
    """Add synthetic residents (phones 170…) and needs until there are that many; bulk inserts."""
    if not db.session.scalar(select(func.count(Town.id))):
        load_demo(today)
    town_ids = list(db.session.scalars(select(Town.id)))
    have_residents = db.session.scalar(select(func.count(Resident.id)).where(Resident.phone.like("170%"))) or 0
    rng = random.Random(have_residents)
    now = utcnow()
    for start in range(have_residents, residents, batch):
        rows = [
            dict(
                phone=f"170{n:08d}",
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
                town_id=rng.choice(town_ids),
                age_band=rng.choice(["18-29", "30-39", "40-49", "50-59", "60+"]),
                education=rng.choice(["初中", "高中", "中专/职高", "大专"]),
                work=rng.choice(["在职", "务农", "退休"]),
                residence=rng.choice(["户籍", "流动人口"]),
                consent_method="survey",
                consent_at=now,
                created_at=now,
            )
            for n in range(start, min(start + batch, residents))
        ]
        db.session.execute(insert(Resident), rows)
    synthetic = select(Resident.id).where(Resident.phone.like("170%")).order_by(Resident.id)
    resident_ids = list(db.session.scalars(synthetic))
    have_needs = db.session.scalar(select(func.count(Need.id)).where(Need.submission_id.like("gs%"))) or 0
    for start in range(have_needs, needs if resident_ids else 0, batch):
        rows = []
        for n in range(start, min(start + batch, needs)):
            kind = rng.choice([Kind.DEGREE, Kind.SKILL, Kind.SKILL, Kind.COMMUNITY])
            rows.append(
                dict(
                    ref=secrets.token_urlsafe(16),
                    submission_id=f"gs{n:030d}",
                    resident_id=resident_ids[n % len(resident_ids)],
                    kind=kind,
                    target=rng.choice(SCALE_TARGETS[kind]),
                    weekdays=",".join(sorted(rng.sample("1234567", 2))),
                    times=rng.choice(["morning", "evening", "afternoon,evening"]),
                    town_id=rng.choice(town_ids),
                    notes="",
                    source=NeedSource.SURVEY,
                    status=NeedStatus.NEW,
                    unmet=rng.random() < 0.2,
                    created_at=now - dt.timedelta(days=rng.randint(0, 365)),
                )
            )
        db.session.execute(insert(Need), rows)
    return max(residents - have_residents, 0), max(needs - have_needs, 0)


def generate_enrolments(count: int, today: dt.date, batch: int = 5000) -> tuple[int, int]:
    """Add synthetic sign-ups (submission ids gse…) of synthetic residents to synthetic classes until
    there are `count`, never more than a class's capacity; then set each synthetic class's seats_taken
    to its places held. Classes that have ended get some completions, with outcomes and incentives
    (half of them paid), so the dashboard's funnel is not empty. Returns (enrolments, outcomes) added."""
    from types import SimpleNamespace

    from app.models import Enrolment, Outcome
    from app.services import incentives

    have = db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.submission_id.like("gse%"))) or 0
    if have >= count:
        return 0, 0
    classes = db.session.execute(
        select(Offering.id, Offering.capacity, Offering.end_date, Offering.programme_id, Offering.kind)
        .where(Offering.code.like(f"{SCALE_PREFIX}%"))
        .order_by(Offering.id)
    ).all()
    residents = list(db.session.scalars(select(Resident.id).where(Resident.phone.like("170%")).order_by(Resident.id)))
    if not classes or not residents:
        return 0, 0
    taken = dict(
        db.session.execute(
            select(Enrolment.offering_id, func.count())
            .where(Enrolment.submission_id.like("gse%"))
            .group_by(Enrolment.offering_id)
        ).all()
    )
    rng = random.Random(have)
    # Fill classes to 40–95 % of capacity, in a shuffled order, until `count` sign-ups exist.
    order = list(classes)
    rng.shuffle(order)
    now = utcnow()
    policies = incentives.active_policies()
    owed: dict[int, int] = {}
    n, rows, completed = have, [], []
    for offering_id, capacity, end_date, programme_id, kind in order * 2:
        room = int(capacity * rng.uniform(0.4, 0.95)) - taken.get(offering_id, 0)
        for _ in range(max(room, 0)):
            if n >= count:
                break
            # Ended classes: most finish; running ones: a few already passed the certificate exam.
            done = rng.random() < (0.6 if end_date < today else 0.05)
            rows.append(
                dict(
                    ref=f"gse{n:029d}",
                    code=f"GS-{n:09d}",
                    submission_id=f"gse{n:029d}",
                    resident_id=residents[(n * 7919) % len(residents)],
                    offering_id=offering_id,
                    status=EnrolmentStatus.COMPLETED if done else EnrolmentStatus.CONFIRMED,
                    source=EnrolmentSource.SELF,
                    consent_method="online",
                    created_at=now - dt.timedelta(days=rng.randint(0, 365)),
                    updated_at=now,
                )
            )
            taken[offering_id] = taken.get(offering_id, 0) + 1
            if done:
                completed.append((n, programme_id, kind, end_date))
            n += 1
        if n >= count:
            break
    added = 0
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        ids = db.session.scalars(insert(Enrolment).returning(Enrolment.id, sort_by_parameter_order=True), part).all()
        for enrolment_id, row in zip(ids, part, strict=True):
            row["id"] = enrolment_id
        added += len(part)
    by_number = {int(row["submission_id"][3:]): row for row in rows}
    programmes = {p.id: p for p in db.session.scalars(select(Programme))}
    outcome_rows = []
    for number, programme_id, kind, end_date in completed:
        if programme_id not in owed:
            p = programmes[programme_id]
            achieved = SimpleNamespace(
                kind=p.kind,
                degree_level=p.degree_level or DegreeLevel.ZHUANKE,
                cert_level=p.cert_level or CertLevel.JUNIOR,
                certificate=p.certificate,
                tuition=p.tuition or 6000,
            )
            owed[programme_id] = incentives.total(incentives.owed(incentives.for_learner(achieved, "户籍", policies)))
        row = by_number[number]
        paid = rng.random() < 0.5
        outcome_rows.append(
            dict(
                submission_id=f"gso{number:029d}",
                enrolment_id=row["id"],
                resident_id=row["resident_id"],
                programme_id=programme_id,
                institution_id=programmes[programme_id].institution_id,
                kind=OutcomeKind.for_kind(kind),
                evidence="",
                completed_on=min(end_date, today),
                incentive_amount=owed[programme_id],
                policy_codes=[],
                created_at=now,
                paid_at=now if paid else None,
            )
        )
    for start in range(0, len(outcome_rows), batch):
        db.session.execute(insert(Outcome), outcome_rows[start : start + batch])
    held = (
        select(func.count(Enrolment.id))
        .where(Enrolment.offering_id == Offering.id, Enrolment.status.in_((*SEATED, EnrolmentStatus.COMPLETED)))
        .scalar_subquery()
    )
    db.session.execute(
        Offering.__table__.update().where(Offering.code.like(f"{SCALE_PREFIX}%")).values(seats_taken=held)
    )
    return added, len(outcome_rows)
