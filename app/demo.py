"""The demo county (Pinghu) and synthetic county-sized data for benchmarks.

Both are idempotent: records are found by their natural keys (town and institution names, a
programme's name at its institution, an offering's code) and only missing ones are added.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from app.clock import TZ
from app.extensions import db
from app.models import Allocation, Institution, Offering, OfferingStatus, Programme, Session, SessionStatus, Town
from app.services import catalogue, search
from app.services.schedule import weekly_dates

TOWNS = ["当湖街道", "钟埭街道", "曹桥街道", "乍浦镇", "新埭镇", "新仓镇", "广陈镇", "林埭镇", "独山港镇"]

# name, type, town, address, phone
INSTITUTIONS = [
    ("浙江开放大学平湖学院", "open_university", "当湖街道", "当湖街道胜利路 568 号", "0573-85011234"),
    ("平湖市职业中等专业学校", "vocational_school", "当湖街道", "当湖街道新华北路 1 号", "0573-85022345"),
    ("平湖市技工学校", "vocational_school", "钟埭街道", "钟埭街道兴平一路 88 号", "0573-85033456"),
    ("乍浦镇成人文化技术学校", "adult_school", "乍浦镇", "乍浦镇雅山西路 12 号", "0573-85544567"),
    ("广陈镇成人文化技术学校", "adult_school", "广陈镇", "广陈镇广平路 20 号", "0573-85655678"),
    ("新埭镇成人文化技术学校", "adult_school", "新埭镇", "新埭镇新兴路 35 号", "0573-85766789"),
    ("独山港镇成人文化技术学校", "adult_school", "独山港镇", "独山港镇全塘大街 8 号", "0573-85877890"),
    ("当湖街道社区学校", "community_school", "当湖街道", "当湖街道东湖社区文化家园", "0573-85088901"),
    ("曹桥街道社区学校", "community_school", "曹桥街道", "曹桥街道百寿路 6 号", "0573-85299012"),
    ("钟埭街道社区学校", "community_school", "钟埭街道", "钟埭街道钟埭社区服务中心", "0573-85311123"),
    ("林埭镇社区学校", "community_school", "林埭镇", "林埭镇林埭老街 3 号", "0573-85422234"),
    ("新仓镇社区学校", "community_school", "新仓镇", "新仓镇新仓路 15 号", "0573-85933345"),
    ("平湖市老年大学", "senior_university", "当湖街道", "当湖街道东湖大道 99 号", "0573-85044456"),
    ("平湖光电科技有限公司职工学堂", "enterprise", "钟埭街道", "钟埭街道平湖经济技术开发区", "0573-85355567"),
    ("独山港物流有限公司企业学院", "enterprise", "独山港镇", "独山港镇港区大道 1 号", "0573-85866678"),
    ("平湖市阳光职业培训学校", "training_body", "当湖街道", "当湖街道三港路 101 号", "0573-85077789"),
]


@dataclass(frozen=True)
class P:
    """A programme of the demo county."""

    institution: str
    kind: str
    name: str
    description: str = ""
    degree_level: str | None = None
    major: str | None = None
    years: float | None = None
    tuition: int | None = None
    certificate: str | None = None
    cert_level: str | None = None
    audience: str | None = None


OU, VOC, TECH, TRAIN = "浙江开放大学平湖学院", "平湖市职业中等专业学校", "平湖市技工学校", "平湖市阳光职业培训学校"
PROGRAMMES = [
    P(OU, "degree", "法学（本科）", "面向在职人员的开放教育本科，周日上课，线上线下结合。", "本科", "法学", 2.5, 7800),
    P(OU, "degree", "会计学（本科）", "会计、审计、税务实务，适合企业财务人员。", "本科", "会计学", 2.5, 7800),
    P(OU, "degree", "大数据与会计（专科）", "会计基础与信息化，零基础可读。", "专科", "大数据与会计", 2.5, 6600),
    P(OU, "degree", "行政管理（专科）", "适合社区、村居工作人员。", "专科", "行政管理", 2.5, 6600),
    P(OU, "degree", "工商管理（本科）", "企业管理、市场营销与人力资源。", "本科", "工商管理", 2.5, 7800),
    P(
        VOC,
        "degree",
        "机电一体化技术（专科）",
        "“双证制”成人学历，技能与学历同步提升。",
        "专科",
        "机电一体化技术",
        3,
        7200,
    ),
    P(VOC, "degree", "学前教育（专科）", "幼儿园保育与教育。", "专科", "学前教育", 3, 6900),
    P(
        TECH,
        "skill",
        "电工（初级）",
        "低压电工基础与安全操作，考取电工职业技能等级证书。",
        certificate="电工",
        cert_level="初级",
    ),
    P(TECH, "skill", "电工（中级）", "电气控制与排故，适合有初级证的电工。", certificate="电工", cert_level="中级"),
    P(TECH, "skill", "焊工（中级）", "焊条电弧焊、气体保护焊实操。", certificate="焊工", cert_level="中级"),
    P(TRAIN, "skill", "叉车司机", "场（厂）内专用机动车辆作业，取得特种作业操作证。", certificate="叉车司机证"),
    P(
        TRAIN,
        "skill",
        "中式烹调师（初级）",
        "刀工、火候与家常菜，适合餐饮从业人员。",
        certificate="中式烹调师",
        cert_level="初级",
    ),
    P(TRAIN, "skill", "中式烹调师（中级）", "地方菜与宴席菜。", certificate="中式烹调师", cert_level="中级"),
    P(TRAIN, "skill", "育婴员（中级）", "婴幼儿生活照料、保健与早期教育。", certificate="育婴员", cert_level="中级"),
    P(TRAIN, "skill", "养老护理员（初级）", "老年人生活照料与基础护理。", certificate="养老护理员", cert_level="初级"),
    P(TRAIN, "skill", "养老护理员（中级）", "失能老人照护与康复护理。", certificate="养老护理员", cert_level="中级"),
    P(TRAIN, "skill", "电子商务师（初级）", "网店运营、直播带货。", certificate="电子商务师", cert_level="初级"),
    P(
        "广陈镇成人文化技术学校",
        "skill",
        "农业经理人（农民班）",
        "新型职业农民：种植管理、农产品销售。",
        certificate="农业经理人",
        cert_level="初级",
    ),
    P(
        "平湖光电科技有限公司职工学堂",
        "skill",
        "电子设备装接工（企业班）",
        "企业职工“学历+技能”双提升，满 30 人开班。",
        certificate="电子设备装接工",
        cert_level="中级",
    ),
    P(
        "独山港物流有限公司企业学院",
        "skill",
        "仓储管理员（企业班）",
        "港区企业职工技能提升。",
        certificate="仓储管理员",
        cert_level="初级",
    ),
    P(
        "乍浦镇成人文化技术学校",
        "skill",
        "茶艺师（初级）",
        "茶叶知识与冲泡技艺。",
        certificate="茶艺师",
        cert_level="初级",
    ),
    P(
        "新埭镇成人文化技术学校",
        "skill",
        "家政服务员（初级）",
        "家庭保洁、烹饪与照护。",
        certificate="家政服务员",
        cert_level="初级",
    ),
    P(
        "独山港镇成人文化技术学校",
        "skill",
        "电工（初级）",
        "低压电工基础与安全操作。",
        certificate="电工",
        cert_level="初级",
    ),
    P("当湖街道社区学校", "community", "烘焙", "面包、蛋糕和中式点心，边做边学。", audience="长辈与亲子"),
    P("当湖街道社区学校", "community", "书法", "毛笔楷书入门。", audience="长辈"),
    P("当湖街道社区学校", "community", "智能手机使用", "微信视频、扫码付款、健康码、防诈骗。", audience="长辈"),
    P("曹桥街道社区学校", "community", "太极拳", "二十四式太极拳。", audience="长辈"),
    P("曹桥街道社区学校", "community", "广场舞", "跟着音乐动起来。", audience="长辈"),
    P("钟埭街道社区学校", "community", "书法", "硬笔与毛笔书法。", audience="所有人"),
    P("钟埭街道社区学校", "community", "烘焙", "家庭烘焙入门。", audience="所有人"),
    P("林埭镇社区学校", "community", "智能手机使用", "手把手教用手机。", audience="长辈"),
    P("新仓镇社区学校", "community", "太极拳", "太极拳与八段锦。", audience="长辈"),
    P("新仓镇社区学校", "community", "唱歌（合唱）", "红歌与越剧选段。", audience="长辈"),
    P("平湖市老年大学", "community", "国画（山水）", "山水画入门。", audience="长辈"),
    P("平湖市老年大学", "community", "葫芦丝", "零基础乐器课。", audience="长辈"),
    P("平湖市老年大学", "community", "养生保健", "慢病预防与饮食。", audience="长辈"),
    P("平湖市老年大学", "community", "摄影", "用手机拍好照片。", audience="长辈"),
    P("乍浦镇成人文化技术学校", "community", "烘焙", "中式糕点与面包。", audience="所有人"),
    P("新埭镇成人文化技术学校", "community", "家庭插花", "四季插花。", audience="所有人"),
]

# Weekly patterns by kind: (weekday, start, end).
PATTERNS = {
    "degree": [(7, "08:00", "11:30"), (6, "13:30", "16:30"), (3, "18:30", "20:30")],
    "skill": [(2, "18:30", "20:30"), (4, "18:30", "20:30"), (6, "08:30", "11:30"), (1, "18:30", "20:30")],
    "community": [
        (3, "09:00", "10:30"),
        (1, "14:00", "15:30"),
        (5, "09:00", "10:30"),
        (2, "09:30", "11:00"),
        (4, "14:30", "16:00"),
    ],
}


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def load_demo(today: dt.date) -> dict[str, int]:
    """Add the demo county; returns how many records of each sort were added."""
    added = {"towns": 0, "institutions": 0, "programmes": 0, "offerings": 0}
    towns = {t.name: t for t in db.session.scalars(select(Town))}
    for order, name in enumerate(TOWNS):
        if name not in towns:
            towns[name] = Town(name=name, sort_order=order)
            db.session.add(towns[name])
            added["towns"] += 1
    institutions = {i.name: i for i in db.session.scalars(select(Institution))}
    for name, type_, town, address, phone in INSTITUTIONS:
        if name not in institutions:
            institutions[name] = Institution(name=name, type=type_, town=towns[town], address=address, phone=phone)
            db.session.add(institutions[name])
            added["institutions"] += 1
    db.session.flush()

    existing_programmes = {(p.institution_id, p.name): p for p in db.session.scalars(select(Programme))}
    existing_codes = set(db.session.scalars(select(Offering.code)))
    rng = random.Random(2026)
    serial = 0
    for index, spec in enumerate(PROGRAMMES):
        institution = institutions[spec.institution]
        programme = existing_programmes.get((institution.id, spec.name))
        if programme is None:
            fields = {k: v for k, v in spec.__dict__.items() if k != "institution"}
            programme = Programme(institution=institution, **fields)
            db.session.add(programme)
            added["programmes"] += 1
        # Two classes of most programmes: one running now, one starting later.
        runs = 1 if spec.kind == "degree" and index % 2 else 2
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
    db.session.flush()
    return added


def _demo_offering(code, serial, programme, institution, towns, run, today, rng) -> Offering:
    kind = programme.kind
    weekday, start, end = PATTERNS[kind][(serial + run) % len(PATTERNS[kind])]
    weeks = {"degree": 18, "skill": 10, "community": 12}[kind]
    if run == 0:  # running now: started a few weeks ago, sign-up still open for late joiners or closed
        start_date = today - dt.timedelta(weeks=rng.randint(1, 4))
    else:  # starting in a few weeks
        start_date = today + dt.timedelta(weeks=rng.randint(1, 6))
    start_date += dt.timedelta(days=(weekday - start_date.isoweekday()) % 7)
    end_date = start_date + dt.timedelta(weeks=weeks - 1)
    capacity = {"degree": 40, "skill": 30, "community": 20}[kind]
    # Some classes are full, some past their deadline: the catalogue must say so.
    taken = capacity if serial % 6 == 0 else rng.randint(0, capacity - 3)
    deadline = start_date + dt.timedelta(days=7) if run == 0 else start_date - dt.timedelta(days=2)
    if serial % 9 == 0:
        deadline = today - dt.timedelta(days=3)
    # Community classes in neighbouring towns: the school also teaches in village halls.
    town = institution.town
    place = institution.address
    if kind == "community" and run == 1 and institution.type == "senior_university":
        town = towns[TOWNS[serial % len(TOWNS)]]
        place = f"{town.name}文化礼堂"
    fee = {"degree": 0, "skill": 300 + 100 * (serial % 5), "community": 0 if serial % 3 else 120}[kind]
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
        senior_friendly=kind == "community" and (programme.audience or "").startswith("长辈"),
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
    "degree": ["法学", "会计学", "行政管理", "工商管理", "学前教育", "机电一体化技术", "计算机应用技术", "护理"],
    "skill": ["电工", "焊工", "叉车司机", "中式烹调师", "育婴员", "养老护理员", "电子商务师", "茶艺师", "保育员"],
    "community": ["烘焙", "书法", "太极拳", "智能手机使用", "广场舞", "合唱", "国画", "摄影", "葫芦丝", "编织"],
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
        town = towns[rng.randrange(len(towns))] if programme.kind == "community" else institution.town
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
                status="open",
                senior_friendly=programme.kind == "community" and rng.random() < 0.6,
                search_key=keys[key],
            )
        )
        if len(rows) >= batch:
            _insert_offerings(rows)
    _insert_offerings(rows)
    return count - have


def _insert_offerings(rows: list[dict]) -> None:
    """Bulk-insert offerings, then their weekly sessions, and empty `rows`."""
    if not rows:
        return
    ids = db.session.scalars(insert(Offering).returning(Offering.id, sort_by_parameter_order=True), rows).all()
    sessions = [
        dict(
            offering_id=offering_id,
            seq=seq,
            date=day,
            start_time=row["start_time"],
            end_time=row["end_time"],
            status="scheduled",
            note="",
        )
        for offering_id, row in zip(ids, rows, strict=True)
        for seq, day in enumerate(weekly_dates(row["start_date"], row["end_date"], row["weekday"]), start=1)
    ]
    db.session.execute(insert(Session), sessions)
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
