"""Learn → earn: the learning record, enterprises' jobs matched both ways, 共富工坊 work orders and
the 驾驶舱's 成果转化 figures."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select

from app.clock import now
from app.extensions import db
from app.models import ClaimStatus, Enrolment, LearningClaim, Outcome, Resident
from app.services import learning, outcomes
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import log_in, make_user, tokens


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["CLOCK_TODAY"] = TODAY
    yield
    app.config.pop("CLOCK_TODAY", None)


def sign_in_me(client, phone: str) -> None:
    """As /me does after the one-time code (its own tests cover the code)."""
    with client.session_transaction() as session:
        session["me_phone"], session["me_since"] = phone, now().isoformat()


def resident(phone: str, town, name: str = "王小明") -> Resident:
    person = Resident(phone=phone, name=name, town=town, consent_method="online")
    db.session.add(person)
    db.session.flush()
    return person


def complete(person: Resident, offering, level: str | None = None, on: dt.date = TODAY) -> Outcome:
    """Enrol `person` in `offering` and record its completion through the outcomes service."""
    serial = uuid.uuid4().hex
    enrolment = Enrolment(
        ref=serial,
        code="XH-" + serial[:6].upper(),
        submission_id=serial,
        resident=person,
        offering=offering,
        status="confirmed",
        consent_method="online",
    )
    db.session.add(enrolment)
    db.session.flush()
    admin = make_user("admin")
    kind = {"skill": "certificate", "degree": "degree"}.get(offering.kind, "completion")
    return outcomes.record(enrolment, kind, level or offering.programme.cert_level, "", on, admin, uuid.uuid4().hex)


def electrician(level: str, town, start: dt.date, weeks: int = 4, institution=None):
    institution = institution or make_institution(town=town, type="vocational_school")
    programme = make_programme(
        f"电工（{level}）", kind="skill", institution=institution, certificate="电工", cert_level=level
    )
    return make_offering(programme=programme, town=town, start_date=start, weeks=weeks)


# 1. The vocabulary: an enterprise's words and a certificate's words meet -----------------------


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("电工（中级）", ("电工", "中级")),
        ("电工四级", ("电工", "中级")),
        ("电工证 四级", ("电工", "中级")),
        ("低压电工五级", ("电工", "初级")),
        ("电工(初级)", ("电工", "初级")),
        ("维修电工 高级工", ("电工", "高级")),
        ("电工二级", ("电工", "技师")),
        ("电工一级", ("电工", "高级技师")),
        ("电工高级技师", ("电工", "高级技师")),
        ("叉车司机三级", ("叉车司机", "高级")),
        ("电工", ("电工", None)),
    ],
)
def test_level_words_of_the_national_ladder_mean_the_same_certificate(app, vocabulary, text, meaning):
    assert vocabulary.occupation_level(text) == meaning


def test_an_enterprises_wording_and_a_certificates_meet(app, vocabulary):
    assert vocabulary.same_certificate("电工（中级）", "电工四级")
    assert not vocabulary.same_certificate("电工（中级）", "电工五级")
    assert not vocabulary.same_certificate("电工（中级）", "焊工四级")


# 1. The learning record ------------------------------------------------------------------------


@pytest.fixture
def county(app, vocabulary):
    town = make_town("当湖街道")
    other = make_town("独山港镇")
    db.session.commit()
    return {"town": town, "other": other}


def test_the_record_on_me_has_what_was_earned_being_studied_and_declared(app, client, county):
    town = county["town"]
    person = resident("13800000001", town)
    done = electrician("初级", town, TODAY - dt.timedelta(days=60))
    complete(person, done, on=TODAY - dt.timedelta(days=3))
    db.session.commit()
    sign_in_me(client, person.phone)
    page = client.get("/me").get_data(as_text=True)
    record = page.split('id="record"')[1].split('id="jobs"')[0]
    assert "电工（初级）" in record and "已取得" in record and "在学后取得" in record

    form = client.get("/me/record/new").get_data(as_text=True)
    missing_level = {**tokens(form), "kind": "certificate", "name": "焊工证", "earned_on": "2024-05-01"}
    again = client.post("/me/record/new", data=missing_level)
    assert again.status_code == 422
    kept = again.get_data(as_text=True)
    assert 'value="焊工证"' in kept and "请写上证书的等级" in kept
    answers = {**tokens(kept), "kind": "certificate", "name": "焊工四级", "earned_on": "2024-05-01"}
    assert client.post("/me/record/new", data=answers).status_code == 303
    assert client.post("/me/record/new", data=answers).status_code == 303  # a replay adds nothing
    claims = db.session.scalars(select(LearningClaim)).all()
    assert [(c.name, c.level, c.status) for c in claims] == [("焊工", "中级", "pending")]
    record = client.get("/me").get_data(as_text=True).split('id="record"')[1].split('id="jobs"')[0]
    assert "焊工（中级）" in record and "待工作人员核对" in record
    assert learning.level_held(person.id, "焊工", TODAY) is None  # not until staff check it


def test_staff_check_a_declared_certificate_and_matching_then_offers_the_next_level(app, client, county):
    town = county["town"]
    person = resident("13800000002", town)
    claim = learning.declare(
        person.id, uuid.uuid4().hex, "certificate", "电工五级", TODAY - dt.timedelta(days=400), None
    )
    db.session.commit()
    admin = make_user("admin")
    db.session.commit()
    log_in(client, admin)
    listing = client.get("/admin/learning-claims").get_data(as_text=True)
    assert "13800000002" not in listing and "电工" in listing and "138****0002" in listing
    form = tokens(listing)
    assert client.post(f"/admin/learning-claims/{claim.id}", data={**form, "decision": "accept"}).status_code == 303
    db.session.refresh(claim)
    assert claim.status == ClaimStatus.ACCEPTED
    assert learning.level_held(person.id, "电工", TODAY) == "初级"
    # Matching uses the record: 电工（中级）needs 初级, which the record now holds.
    from app.models import Need
    from app.services import matching, vocabulary

    need = Need(resident_id=person.id, kind="skill", target="电工", weekdays="", times="")
    intermediate = electrician("中级", town, TODAY + dt.timedelta(days=10))
    held = matching.hold_back(intermediate.programme, need, vocabulary.lexicon())
    assert held is None
    junior = electrician("初级", town, TODAY + dt.timedelta(days=10))
    assert matching.hold_back(junior.programme, need, vocabulary.lexicon()).why == "holds"
    db.session.rollback()


# 2–3. Enterprises post jobs; matching both ways ------------------------------------------------


def enterprise_user(town, name: str = "平湖光电科技有限公司"):
    from app.services.staff import create_or_update_user
    from tests.helpers import PASSWORD

    user, _ = create_or_update_user("enterprise", f"ent-{uuid.uuid4().hex[:6]}", PASSWORD, town=str(town.id), org=name)
    return user


def post_job(client, town, title="设备维修电工", occupation="电工", level="中级", shifts=("day",)):
    page = client.get("/enterprise/jobs/new").get_data(as_text=True)
    answers = {
        **tokens(page),
        "title": title,
        "town": str(town.id),
        "pay_min": "5000",
        "pay_max": "7000",
        "shifts": list(shifts),
        "occupation": occupation,
        "cert_level": level,
        "openings": "3",
    }
    response = client.post("/enterprise/jobs/new", data=answers)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_create_user_makes_an_enterprise_account_of_its_own_organisation(app, runner, county):
    result = runner.invoke(
        args=["create-user", "--role", "enterprise", "--username", "guangdian", "--password", "long enough",
              "--org", "平湖光电科技有限公司", "--town", "当湖街道"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    from app.models import Institution, User

    user = db.session.scalar(select(User).where(User.username == "guangdian"))
    assert user.role == "enterprise" and user.institution.name == "平湖光电科技有限公司"
    assert user.institution.type == "enterprise"
    refused = runner.invoke(
        args=["create-user", "--role", "enterprise", "--username", "x", "--password", "long enough"]
    )
    assert refused.exit_code != 0 and "--org" in refused.output
    assert db.session.scalar(select(Institution).where(Institution.name == "平湖光电科技有限公司")) is not None


def test_a_resident_who_completes_electrician_junior_sees_a_job_in_town_and_the_next_level_class(app, client, county):
    town, other = county["town"], county["other"]
    person = resident("13800000011", town)
    done = electrician("初级", town, TODAY - dt.timedelta(days=60))
    complete(person, done, on=TODAY - dt.timedelta(days=2))
    intermediate = electrician("中级", town, TODAY + dt.timedelta(days=14))
    boss = enterprise_user(town)
    db.session.commit()
    log_in(client, boss, path="/enterprise/login")
    junior_job = post_job(client, town, title="配电房值班电工", level="初级", shifts=("day",))
    senior_job = post_job(client, town, title="设备维修电工", level="中级", shifts=("rotating",))
    far_job = post_job(client, other, title="港区电工", level="初级")
    welder_job = post_job(client, town, title="焊工", occupation="焊工", level="初级")
    client.post("/logout", data=tokens(client.get("/enterprise/").get_data(as_text=True)))

    sign_in_me(client, person.phone)
    for path in ("/me", "/me/work"):
        page = client.get(path).get_data(as_text=True)
        jobs_part = page.split('id="jobs"')[-1] if path == "/me" else page
        fits = re.findall(r'data-job-id="(\d+)"', jobs_part)
        assert str(junior_job) in fits and str(far_job) not in fits and str(welder_job) not in fits
        card = jobs_part.split(f'data-job-id="{junior_job}"')[1].split("</li>")[0]
        assert "您有电工初级证；本镇；白班" in card
        step = jobs_part.split(f'data-job-step="{senior_job}"')[1].split("</li>")[0]
        assert "再学电工中级，就能申请“设备维修电工”" in step
        assert f'data-next-class="{intermediate.id}"' in step and f"/courses/{intermediate.id}" in step
    assert "配电房值班电工" in client.get("/jobs").get_data(as_text=True)
    assert "港区电工" not in client.get(f"/jobs?town={town.id}").get_data(as_text=True)


def test_an_enterprise_sees_only_opted_in_learners_who_hold_the_level_masked_until_they_agree(app, client, county):
    town = county["town"]
    holder = resident("13800000021", town, name="李建国")
    junior_only = resident("13800000022", town, name="张三")
    not_listed = resident("13800000023", town, name="赵四")
    senior = resident("13800000024", town, name="钱五")
    for person, level in ((holder, "中级"), (junior_only, "初级"), (not_listed, "中级"), (senior, "高级")):
        learning.declare(
            person.id, uuid.uuid4().hex, "certificate", f"电工{level}", TODAY - dt.timedelta(days=30), None
        )
    for claim in db.session.scalars(select(LearningClaim)):
        claim.status = ClaimStatus.ACCEPTED
    boss = enterprise_user(town)
    db.session.commit()
    for person in (holder, junior_only, senior):  # each opts in on /me
        sign_in_me(client, person.phone)
        page = client.get("/me").get_data(as_text=True)
        form = page.split('action="/me/show"')[1]
        assert client.post("/me/show", data={**tokens(form), "show": "1"}).status_code == 303

    log_in(client, boss, path="/enterprise/login")
    job_id = post_job(client, town, title="设备维修电工", occupation="电工四级", level="")
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    shown = set(re.findall(r'data-learner="(\d+)"', page))
    assert shown == {str(holder.id), str(senior.id)}  # 电工四级 is 中级: 初级 and the unlisted are left out
    assert "李建国" not in page and "13800000021" not in page and "李**" in page and "138****0021" in page
    form = page.split(f'data-learner="{holder.id}"')[1]
    assert client.post(f"/enterprise/jobs/{job_id}/contact/{holder.id}", data=tokens(form)).status_code == 303
    assert client.post(f"/enterprise/jobs/{job_id}/contact/{junior_only.id}", data=tokens(form)).status_code == 404
    assert "李建国" not in client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)  # asked, not agreed

    sign_in_me(client, holder.phone)
    work = client.get("/me/work").get_data(as_text=True)
    assert "平湖光电科技有限公司" in work and "等您答复" in work
    request_id = re.search(r'action="/me/contact/(\d+)"', work).group(1)
    answer = {**tokens(work.split(f"/me/contact/{request_id}")[1]), "answer": "accept"}
    assert client.post(f"/me/contact/{request_id}", data=answer).status_code == 303

    log_in(client, boss, path="/enterprise/login")
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    assert "李建国" in page and "13800000021" in page and "钱*<" in page and "13800000024" not in page


def test_the_job_form_keeps_what_was_typed_and_says_what_to_fix(app, client, county):
    boss = enterprise_user(county["town"])
    db.session.commit()
    log_in(client, boss, path="/enterprise/login")
    page = client.get("/enterprise/jobs/new").get_data(as_text=True)
    bad = {**tokens(page), "title": "仓管", "town": str(county["town"].id), "pay_min": "6000", "pay_max": "5000",
           "occupation": "仓储管理员", "cert_level": "", "openings": "2"}  # fmt: skip
    response = client.post("/enterprise/jobs/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="仓管"' in html and 'value="6000"' in html
    assert "最高月薪不能低于最低月薪" in html and "请至少选一种班次" in html


# 4. 共富工坊 work orders ---------------------------------------------------------------------------


def test_a_workshop_order_shared_out_to_three_residents_records_pieces_and_earnings(app, client, county):
    from app.models import WorkOrder, WorkPortion

    town = county["town"]
    sewers = [resident(f"1380000003{i}", town, name=n) for i, n in enumerate(("周一", "吴二", "郑三"))]
    beginner = resident("13800000039", town, name="冯九")
    outsider = resident("13800000038", county["other"], name="陈八")
    for person in sewers:
        learning.declare(person.id, uuid.uuid4().hex, "certificate", "缝纫工初级", TODAY - dt.timedelta(days=90), None)
    for claim in db.session.scalars(select(LearningClaim)):
        claim.status = ClaimStatus.ACCEPTED
    boss = enterprise_user(town, name="平湖拉链服饰有限公司")
    leader = make_user("worker", town=town)
    db.session.commit()

    log_in(client, boss, path="/enterprise/login")
    page = client.get("/enterprise/orders/new").get_data(as_text=True)
    answers = {**tokens(page), "what": "拉链头装配", "quantity": "1000", "piece_rate": "0.35",
               "deadline": (TODAY + dt.timedelta(days=20)).isoformat(), "occupation": "缝纫工", "cert_level": "初级",
               "town": str(town.id), "workshop": "当湖街道鱼圻塘村共富工坊"}  # fmt: skip
    assert client.post("/enterprise/orders/new", data=answers).status_code == 303
    assert client.post("/enterprise/orders/new", data=answers).status_code == 303  # replay: one order
    order = db.session.scalar(select(WorkOrder))
    assert db.session.query(WorkOrder).count() == 1 and order.piece_rate == 35

    log_in(client, leader, path="/worker/login")
    listing = client.get("/worker/workshop/").get_data(as_text=True)
    assert "拉链头装配" in listing and "¥0.35" in listing
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    assert client.post(f"/worker/workshop/orders/{order.id}/take", data=tokens(page)).status_code == 303
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    assert all(p.phone in page for p in sewers) and beginner.phone not in page  # suggested by skill level

    def assign(phone, quantity):
        page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
        form = page.split('id="assign"')[1]
        return client.post(
            f"/worker/workshop/orders/{order.id}", data={**tokens(form), "phone": phone, "quantity": quantity}
        )

    assert assign(sewers[0].phone, "400").status_code == 303
    assert assign(sewers[1].phone, "300").status_code == 303
    no_skill = assign(beginner.phone, "10")
    assert no_skill.status_code == 422 and "还没有这张单要求的技能等级" in no_skill.get_data(as_text=True)
    elsewhere = assign(outsider.phone, "10")
    assert elsewhere.status_code == 422 and "不住在本镇" in elsewhere.get_data(as_text=True)
    too_many = assign(sewers[2].phone, "400")
    kept = too_many.get_data(as_text=True)
    assert too_many.status_code == 422 and "剩下可分的只有 300 件" in kept and 'value="400"' in kept
    assert assign(sewers[2].phone, "300").status_code == 303
    assert db.session.query(WorkPortion).count() == 3
    assert 'id="assign"' not in client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)

    for person, handed in zip(sewers, (400, 250, 300), strict=True):
        portion = db.session.scalar(select(WorkPortion).where(WorkPortion.resident_id == person.id))
        page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
        form = page.split(f'id="portion-{portion.id}"')[1]
        data = dict(re.findall(r'<input[^>]*name="(p\d+-(?:csrf_token|submission_id))"[^>]*value="([^"]*)"', form)[:2])
        data[f"p{portion.id}-handed_in"] = str(handed)
        assert client.post(f"/worker/workshop/portions/{portion.id}", data=data).status_code == 303
    earned = {p.resident_id: (p.handed_in, p.earned) for p in db.session.scalars(select(WorkPortion))}
    assert earned == {sewers[0].id: (400, 14000), sewers[1].id: (250, 8750), sewers[2].id: (300, 10500)}
    db.session.refresh(order)
    assert order.status == "taken"  # 50 pieces still out

    sign_in_me(client, sewers[1].phone)
    work = client.get("/me/work").get_data(as_text=True)
    assert "拉链头装配" in work and "¥87.50" in work and 'data-total-earned="8750"' in work
    assert outsider.id not in earned


# 5. 成果转化 on the 驾驶舱 ------------------------------------------------------------------------


def test_the_dashboards_conversion_figures_match_the_records(app, client, county):
    from app.models import ContactRequest, Job, WorkOrder, WorkPortion

    town, other = county["town"], county["other"]
    course = electrician("初级", town, TODAY - dt.timedelta(days=90))
    forklift = make_programme("叉车司机（初级）", kind="skill", certificate="叉车司机", cert_level="初级")
    forklift_class = make_offering(programme=forklift, town=other, start_date=TODAY - dt.timedelta(days=90))
    hired = resident("13800000041", town, name="甲")
    hired_before = resident("13800000042", town, name="乙")  # taken on before the certificate: not counted
    worker_after = resident("13800000043", other, name="丙")
    idle = resident("13800000044", town, name="丁")
    no_certificate = resident("13800000045", other, name="戊")  # took an order, no certificate
    for person, offering, days_ago in (
        (hired, course, 30),
        (hired_before, course, 10),
        (worker_after, forklift_class, 20),
        (idle, course, 5),
    ):
        complete(person, offering, on=TODAY - dt.timedelta(days=days_ago))
    boss = enterprise_user(town)
    job = Job(submission_id="j1", institution_id=boss.institution_id, title="电工", town_id=town.id, pay_min=5000,
              pay_max=6000, occupation="电工", cert_level="初级", openings=2)  # fmt: skip
    db.session.add(job)
    db.session.flush()
    day = lambda n: TODAY - dt.timedelta(days=n)  # noqa: E731
    db.session.add_all(
        [
            ContactRequest(job_id=job.id, resident_id=hired.id, status="hired", hired_on=day(1)),
            ContactRequest(job_id=job.id, resident_id=hired_before.id, status="hired", hired_on=day(40)),
            ContactRequest(job_id=job.id, resident_id=idle.id, status="accepted"),
        ]
    )
    order = WorkOrder(submission_id="o1", institution_id=boss.institution_id, what="纸箱", quantity=500, piece_rate=20)
    order.deadline, order.town_id, order.workshop, order.status = day(-9), other.id, "某村共富工坊", "taken"

    db.session.add(order)
    db.session.flush()
    db.session.add_all(
        [
            WorkPortion(order_id=order.id, resident_id=worker_after.id, quantity=200, handed_in=150, earned=3000),
            WorkPortion(order_id=order.id, resident_id=no_certificate.id, quantity=100, handed_in=100, earned=2000),
        ]
    )
    admin = make_user("admin")
    db.session.commit()

    from app.services import dashboard

    figures = dashboard.conversion()
    assert (figures.certified, figures.hired, figures.orders, figures.working) == (4, 1, 1, 2)
    assert [(t.town, t.people, t.pieces, t.earned) for t in figures.towns] == [("独山港镇", 2, 250, 5000)]
    assert {(w.certificate, w.certified, w.working) for w in figures.certificates} == {
        ("电工（初级）", 3, 1),
        ("叉车司机（初级）", 1, 1),
    }
    # The same figures, recounted from the rows one by one.
    portions = db.session.scalars(select(WorkPortion)).all()
    assert sum(p.earned for p in portions) == sum(t.earned for t in figures.towns)

    log_in(client, admin)
    page = client.get("/admin/dashboard").get_data(as_text=True)
    section = page.split('id="conversion"')[1]
    assert re.search(r'data-figure="certified">4<', section) and re.search(r'data-figure="hired">1<', section)
    assert re.search(r'data-figure="working">2<', section) and 'data-earned="5000">¥50<' in section
    assert (
        '<tr data-certificate="叉车司机（初级）"><th scope="row">叉车司机（初级）</th><td>1</td><td data-working="1">'
        in section
    )


# 6. The demo county shows the whole journey -------------------------------------------------------


def test_the_demo_county_has_enterprises_jobs_orders_and_learners_on_their_way_once(app, runner):
    from app import demo
    from app.models import Institution, Job, WorkOrder
    from app.services import dashboard, jobs

    demo.load_demo(TODAY)
    assert demo.load_demo(TODAY)["learn-to-earn records"] == 0  # nothing twice
    db.session.commit()
    names = set(db.session.scalars(select(Institution.name).where(Institution.type == "enterprise")))
    assert {"平湖光电科技有限公司", "平湖港通物流有限公司", "平湖新埭拉链服饰有限公司"} <= names
    assert db.session.query(Job).count() == 5 and db.session.query(WorkOrder).count() == 3
    wang = db.session.scalar(select(Resident).where(Resident.phone == "13900000001"))
    with app.test_request_context():
        matched = jobs.for_resident(wang, TODAY)
    assert [f.job.title for f in matched.fits] == ["配电房值班电工"]
    assert [s.job.title for s in matched.one_class_away] == ["设备维修电工"]
    assert matched.one_class_away[0].offering is not None  # the 电工（中级）class to sign up for
    figures = dashboard.conversion()
    assert figures.certified == 2 and figures.hired == 1
    assert [(t.town, t.pieces, t.earned) for t in figures.towns] == [("当湖街道", 1200, 18000)]


def test_enterprise_pages_are_for_enterprises_and_each_sees_only_its_own(app, client, county):
    town = county["town"]
    mine, theirs = enterprise_user(town), enterprise_user(town, name="平湖港通物流有限公司")
    worker = make_user("worker", town=town)
    db.session.commit()
    assert client.get("/enterprise/").status_code == 303  # to the log-in
    log_in(client, worker, path="/worker/login")
    assert client.get("/enterprise/").status_code == 403 and client.get("/enterprise/jobs/new").status_code == 403
    log_in(client, theirs, path="/enterprise/login")
    their_job = post_job(client, town, title="叉车司机", occupation="叉车", level="初级")
    log_in(client, mine, path="/enterprise/login")
    assert client.get(f"/enterprise/jobs/{their_job}").status_code == 404
    assert client.get("/admin/dashboard").status_code == 403 and client.get("/worker/workshop/").status_code == 403


# What an attack on the merged pages found (each failed before its fix) ---------------------------


def test_absurd_numbers_past_deadlines_and_invisible_answers_are_refused_with_a_message(app, client, county):
    town = county["town"]
    boss = enterprise_user(town)
    db.session.commit()
    log_in(client, boss, path="/enterprise/login")
    page = client.get("/enterprise/orders/new").get_data(as_text=True)
    deadline = (TODAY + dt.timedelta(days=20)).isoformat()
    order = {**tokens(page), "what": "拉链头装配", "quantity": "1000", "piece_rate": "0.35", "deadline": deadline,
             "town": str(town.id), "workshop": "某村工坊"}  # fmt: skip
    for piece_rate in ("1e999999999", "-1e999999999", "1E+999999999"):  # decimal.Overflow was a 500
        answer = client.post("/enterprise/orders/new", data={**order, "piece_rate": piece_rate})
        assert answer.status_code == 422 and "请填每件多少元" in answer.get_data(as_text=True)
    late = client.post("/enterprise/orders/new", data={**order, "deadline": "2017-01-01"})
    assert late.status_code == 422 and "交货日期不能早于今天" in late.get_data(as_text=True)
    blank = client.post("/enterprise/orders/new", data={**order, "workshop": "\x00\x00"})
    assert blank.status_code == 422, "a NUL-only answer is an empty one"
    log_in(client, make_user("admin"))
    db.session.commit()
    for url in ("/admin/offerings?page=¹", "/admin/requests/new?town_id=¹&kind=skill"):  # '¹'.isdigit()
        assert client.get(url).status_code == 200, url


def test_a_declared_certificate_is_not_from_the_future_and_may_be_decades_old(app, client, county):
    person = resident("13800000031", county["town"])
    db.session.commit()
    sign_in_me(client, person.phone)
    form = client.get("/me/record/new").get_data(as_text=True)
    claim = {**tokens(form), "kind": "certificate", "name": "电工四级"}
    tomorrow = client.post("/me/record/new", data={**claim, "earned_on": (TODAY + dt.timedelta(days=1)).isoformat()})
    assert tomorrow.status_code == 422 and "取得日期不能晚于今天" in tomorrow.get_data(as_text=True)
    assert client.post("/me/record/new", data={**claim, "earned_on": "1998-07-01"}).status_code == 303


def test_withdrawn_profiling_stops_job_matching_and_an_agreed_contact_can_be_taken_back(app, county):
    from app.models import ContactStatus
    from app.services import jobs, privacy

    with app.test_request_context():  # the reasons are worded in the page's language
        town = county["town"]
        person = resident("13800000041", town)
        complete(person, electrician("初级", town, TODAY - dt.timedelta(days=60)), on=TODAY - dt.timedelta(days=2))
        boss = enterprise_user(town)
        job = jobs.post(
            boss, uuid.uuid4().hex, jobs.JobInput("配电房值班电工", town.id, 4000, 6000, ["day"], "电工", "初级", 1)
        )
        learning.set_listed(person.id, True)  # shown to enterprises: one may ask to be put in touch
        db.session.commit()
        assert jobs.for_resident(person, TODAY).fits, "matched while they agree"
        asked = jobs.request_contact(job, person.id, boss, TODAY)
        assert jobs.answer(asked, person.id, True) and asked.status == ContactStatus.ACCEPTED
        assert jobs.answer(asked, person.id, False) and asked.status == ContactStatus.DECLINED, "taken back"
        privacy.set_consent(person, True, False, now())
        matched = jobs.for_resident(person, TODAY)
        assert not matched.personalised and not matched.fits and not matched.one_class_away


def test_erasure_removes_the_learn_to_earn_records_and_the_download_holds_them(app, county):
    from app.models import ContactRequest, LearnerListing
    from app.services import jobs, privacy

    town = county["town"]
    person = resident("13800000051", town)
    claim = learning.declare(
        person.id, uuid.uuid4().hex, "certificate", "电工四级", TODAY - dt.timedelta(days=30), "X1"
    )
    claim.status = ClaimStatus.ACCEPTED
    learning.set_listed(person.id, True)
    boss = enterprise_user(town)
    job = jobs.post(
        boss, uuid.uuid4().hex, jobs.JobInput("设备维修电工", town.id, 5000, 7000, ["day"], "电工", None, 1)
    )
    jobs.request_contact(job, person.id, boss, TODAY)
    db.session.commit()
    held = privacy.export(person)
    assert [c["name"] for c in held["learning_claims"]] == ["电工"] and held["shown_to_enterprises_since"]
    assert [r["job"] for r in held["enterprise_contact_requests"]] == ["设备维修电工"]
    request = privacy.request_deletion(person, uuid.uuid4().hex)
    privacy.confirm_deletion(request, make_user("admin"), now())
    db.session.commit()
    for model in (LearningClaim, LearnerListing, ContactRequest):
        assert db.session.scalar(select(model).where(model.resident_id == person.id)) is None, model.__name__


def test_a_portion_given_the_morning_of_the_certificate_day_counts_as_after_it(app, county):
    """成果转化 compares the day a portion was given in the county's time (Asia/Shanghai) with the
    certificate's day: 07:30 on that day is 23:30 the day before in UTC, and still counts."""
    from app.clock import TZ
    from app.models import WorkOrder, WorkPortion
    from app.services import dashboard

    town = county["town"]
    course = electrician("初级", town, TODAY - dt.timedelta(days=60))
    person = resident("13800000046", town, name="己")
    complete(person, course, on=TODAY)
    boss = enterprise_user(town)
    order = WorkOrder(submission_id="o-tz", institution_id=boss.institution_id, what="纸箱", quantity=50, piece_rate=20)
    order.deadline, order.town_id, order.workshop, order.status = TODAY + dt.timedelta(days=9), town.id, "工坊", "taken"
    db.session.add(order)
    db.session.flush()
    morning = dt.datetime.combine(TODAY, dt.time(7, 30), TZ).astimezone(dt.UTC)
    db.session.add(WorkPortion(order_id=order.id, resident_id=person.id, quantity=10, assigned_at=morning))
    evening_before = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(21, 0), TZ).astimezone(dt.UTC)
    early = resident("13800000047", town, name="庚")  # given pieces the evening before the certificate
    complete(early, course, on=TODAY)
    db.session.add(WorkPortion(order_id=order.id, resident_id=early.id, quantity=10, assigned_at=evening_before))
    db.session.commit()
    figures = dashboard.conversion()
    assert (figures.certified, figures.orders, figures.working) == (2, 1, 1)
