"""Institution staff run their classes: programmes, classes, single sessions moved or cancelled (with SMS),
rosters and completions; the bureau pays incentives and keeps its lists; every change is audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Enrolment, Offering, Outcome, Programme, Session, Town
from tests.admin_world import enrol, make_policy
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import invalid_fields, log_in, make_user, tokens


@pytest.fixture
def school(app):
    town = make_town("当湖街道")
    institution = make_institution(name="当湖街道社区学校", town=town)
    db.session.commit()
    return institution


def offering_answers(programme: Programme, town: Town, **changes) -> dict:
    answers = {
        "programme": str(programme.id),
        "code": "DH-2026-01",
        "town": str(town.id),
        "place": "社区学校 301 教室",
        "start_date": "２０２７-０３-０７",  # full-width digits, as typed on a Chinese keyboard
        "end_date": "2027-05-30",
        "weekdays": "7",
        "start_time": "08:30",
        "end_time": "11:30",
        "capacity": "３０",
        "fee": "",
        "signup_deadline": "2027/3/1",
        "senior_friendly": "y",
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def test_staff_add_a_programme_and_a_class_by_form_once_per_submission(client, login_as, school):
    staff = login_as("institution", institution=school)
    page = client.get("/admin/programmes/new").get_data(as_text=True)
    data = {**tokens(page), "kind": "skill", "name": "电工（初级）", "certificate": "电工", "cert_level": "初级"}
    first = client.post("/admin/programmes/new", data=data)
    again = client.post("/admin/programmes/new", data=data)
    assert first.status_code == again.status_code == 303
    programme = db.session.scalar(select(Programme))
    assert db.session.scalar(select(func.count(Programme.id))) == 1 and programme.institution_id == school.id

    page = client.get("/admin/offerings/new").get_data(as_text=True)
    response = client.post("/admin/offerings/new", data={**tokens(page), **offering_answers(programme, school.town)})
    assert response.status_code == 303
    offering = db.session.scalar(select(Offering))
    assert (offering.capacity, offering.start_date, offering.kind) == (30, dt.date(2027, 3, 7), "skill")
    assert offering.signup_deadline == dt.date(2027, 3, 1) and offering.senior_friendly
    assert len(offering.sessions) == 13 and all(s.date.isoweekday() == 7 for s in offering.sessions)
    assert "diangong" in offering.search_key, "the catalogue finds the new class by pinyin"
    assert response.headers["Location"] == f"/admin/offerings/{offering.id}"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == staff.id)).all()
    assert sorted(actions) == ["offering.create", "programme.create"]
    listing = client.get("/admin/offerings").get_data(as_text=True)
    assert f'data-offering-id="{offering.id}"' in listing


def test_class_form_errors_keep_the_answers_and_say_what_to_do(client, login_as, school):
    login_as("institution", institution=school)
    programme = make_programme(name="烘焙", institution=school)
    db.session.commit()
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    answers = offering_answers(
        programme, school.town, end_date="2027-01-01", start_time="下午", capacity="三十", weekdays="9"
    )
    response = client.post("/admin/offerings/new", data={**tokens(page), **answers})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>错误：" in html and 'role="alert"' in html
    assert {"end_date", "start_time", "capacity", "weekdays"} <= invalid_fields(html)
    assert "结束日期不能早于开始日期" in html and "请按“08:30”的样子填写时间" in html and "请填一个整数" in html
    assert 'value="社区学校 301 教室"' in html and 'value="DH-2026-01"' in html
    assert db.session.scalar(select(func.count(Offering.id))) == 0
    fragment = client.post("/admin/offerings/new", data={**tokens(page), **answers}, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and "<html" not in body and body.lstrip().startswith("<form")
    assert "HX-Request" in fragment.headers["Vary"]
    good = {**tokens(page), **offering_answers(programme, school.town)}
    done = client.post("/admin/offerings/new", data=good, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done.headers["HX-Redirect"].startswith("/admin/offerings/")


def test_staff_cannot_use_another_institutions_programme_or_code(client, login_as, school):
    login_as("institution", institution=school)
    theirs = make_offering(name="书法")
    mine = make_programme(name="烘焙", institution=school)
    db.session.commit()
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    stolen = client.post(
        "/admin/offerings/new",
        data={**tokens(page), **offering_answers(theirs.programme, school.town)},
    )
    assert stolen.status_code == 422 and "programme" in invalid_fields(stolen.get_data(as_text=True))
    clash = client.post(
        "/admin/offerings/new", data={**tokens(page), **offering_answers(mine, school.town, code=theirs.code)}
    )
    assert clash.status_code == 422 and "这个开班编号已经用过了" in clash.get_data(as_text=True)
    assert client.get(f"/admin/offerings/{theirs.id}").status_code == 404
    assert f'data-offering-id="{theirs.id}"' not in client.get("/admin/offerings").get_data(as_text=True)


def test_moving_one_session_texts_everyone_with_a_place_or_waiting(client, app, login_as, school):
    staff = login_as("institution", institution=school)
    offering = make_offering(programme=make_programme(name="烘焙", institution=school), seats=1)
    confirmed, waiting = enrol(offering, "13800000001"), enrol(offering, "13800000002", name="李强")
    gone = enrol(offering, "13800000003", name="张伟")
    from app.services import enrolment

    enrolment.cancel(gone)
    db.session.commit()
    assert (confirmed.status, waiting.status) == ("confirmed", "waitlisted")
    session = offering.sessions[1]
    old_date = session.date
    outbox = app.extensions["sms"].outbox
    outbox.clear()
    page = client.get(f"/admin/sessions/{session.id}/change").get_data(as_text=True)
    bad = client.post(f"/admin/sessions/{session.id}/change", data={**tokens(page), "action": "move", "note": "x"})
    assert bad.status_code == 422 and "调课请填写新的日期" in bad.get_data(as_text=True) and not outbox
    data = {
        **tokens(page),
        "action": "move",
        "date": "2026-12-20",
        "start_time": "14:00",
        "end_time": "15:30",
        "place": "文化礼堂",
        "note": "教室维修",
    }
    assert client.post(f"/admin/sessions/{session.id}/change", data=data).status_code == 303
    db.session.refresh(session)
    assert (session.status, session.original_date, session.date) == ("moved", old_date, dt.date(2026, 12, 20))
    assert session.place == "文化礼堂" and session.note == "教室维修"
    assert sorted(phone for phone, _ in outbox) == ["13800000001", "13800000002"]
    assert "12月20日 14:00–15:30" in outbox[0][1] and "教室维修" in outbox[0][1]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "session.move"))
    assert entry.actor_id == staff.id and entry.details["before"]["date"] == old_date.isoformat()
    assert entry.details["after"]["date"] == "2026-12-20"
    public = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "教室维修" in public

    other = offering.sessions[2]
    page = client.get(f"/admin/sessions/{other.id}/change").get_data(as_text=True)
    client.post(f"/admin/sessions/{other.id}/change", data={**tokens(page), "action": "cancel", "note": "教师外出"})
    db.session.refresh(other)
    assert other.status == "cancelled" and len(outbox) == 4 and "停课一次" in outbox[-1][1]


def test_more_places_move_people_up_and_a_new_weekday_rebuilds_sessions(client, app, login_as, school):
    login_as("institution", institution=school)
    offering = make_offering(programme=make_programme(name="烘焙", institution=school), seats=1, weekday=3)
    enrol(offering, "13800000001")
    waiting = enrol(offering, "13800000002", name="李强")
    offering.sessions[0].status, offering.sessions[0].note = "cancelled", "停电"
    db.session.commit()
    page = client.get(f"/admin/offerings/{offering.id}/edit").get_data(as_text=True)
    assert 'value="2026-12-09"' in page and 'value="09:00"' in page
    answers = offering_answers(
        offering.programme,
        school.town,
        code=offering.code,
        start_date="2026-12-09",
        end_date="2027-01-06",
        signup_deadline="2026-12-09",
        capacity="2",
        weekdays="3",
        start_time="09:00",
        end_time="10:30",
    )
    assert client.post(f"/admin/offerings/{offering.id}/edit", data={**tokens(page), **answers}).status_code == 303
    db.session.refresh(waiting)
    db.session.refresh(offering)
    assert waiting.status == "confirmed" and offering.seats_taken == 2
    assert offering.sessions[0].status == "cancelled", "an unchanged pattern keeps the session changes"
    fewer = {**answers, "capacity": "1"}
    page = client.get(f"/admin/offerings/{offering.id}/edit").get_data(as_text=True)
    refused = client.post(f"/admin/offerings/{offering.id}/edit", data={**tokens(page), **fewer})
    assert refused.status_code == 422 and "已有 2 人报名" in refused.get_data(as_text=True)
    page = client.get(f"/admin/offerings/{offering.id}/edit").get_data(as_text=True)
    thursday = {**answers, "weekdays": "4", "start_date": "2026-12-10"}
    assert client.post(f"/admin/offerings/{offering.id}/edit", data={**tokens(page), **thursday}).status_code == 303
    db.session.expire_all()
    days = db.session.scalars(select(Session.date).where(Session.offering_id == offering.id)).all()
    assert days and all(day.isoweekday() == 4 for day in days)
    live = db.session.scalar(
        select(func.count(Enrolment.id)).where(Enrolment.offering_id == offering.id, Enrolment.status == "confirmed")
    )
    assert live == 2, "nobody loses their place when the schedule changes"


def test_cancelling_a_class_texts_everyone_and_closes_sign_up(client, app, login_as, school):
    login_as("institution", institution=school)
    offering = make_offering(programme=make_programme(name="烘焙", institution=school))
    enrol(offering, "13800000001")
    db.session.commit()
    app.extensions["sms"].outbox.clear()
    page = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    response = client.post(f"/admin/offerings/{offering.id}/status", data={**tokens(page), "status": "cancelled"})
    assert response.status_code == 303
    db.session.refresh(offering)
    assert offering.status == "cancelled"
    assert app.extensions["sms"].outbox[-1][0] == "13800000001" and "已取消" in app.extensions["sms"].outbox[-1][1]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "offering.status"))
    assert entry.details == {"before": {"status": "open"}, "after": {"status": "cancelled"}}


def test_roster_shows_whole_numbers_to_the_class_and_prints(client, login_as, school):
    login_as("institution", institution=school)
    offering = make_offering(programme=make_programme(name="烘焙", institution=school))
    enrol(offering, "13812345678")
    db.session.commit()
    html = client.get(f"/admin/offerings/{offering.id}/roster").get_data(as_text=True)
    assert "13812345678" in html and "王芳" in html and "签到" in html
    csv = client.get(f"/admin/offerings/{offering.id}/roster.csv")
    assert csv.data.startswith("\ufeff".encode()) and "13812345678" in csv.data.decode("utf-8-sig")
    assert csv.headers["Cache-Control"] == "no-store"


def test_completion_creates_an_outcome_with_the_incentive_owed_and_the_bureau_pays_it(client, app, login_as, school):
    make_policy(code="JN-DG-CJ", level="初级", value=800)
    make_policy(code="JN-DG-ZJ", level="中级", value=1500)
    programme = make_programme(
        name="电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级"
    )
    started = TODAY - dt.timedelta(weeks=10)  # a class that has run, so its completion can be recorded now
    offering = make_offering(programme=programme, start_date=started, weeks=12, deadline=TODAY)
    enrolment = enrol(offering, "13812345678")
    db.session.commit()
    login_as("institution", institution=school)
    page = client.get(f"/admin/enrolments/{enrolment.id}/complete").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="certificate"', page), "a skill class suggests a certificate"
    data = {
        **tokens(page),
        "kind": "certificate",
        "level": "中级",
        "evidence": "证书 2026-0001",
        "completed_on": "2026-11-20",
    }
    first = client.post(f"/admin/enrolments/{enrolment.id}/complete", data=data)
    again = client.post(f"/admin/enrolments/{enrolment.id}/complete", data=data)
    assert first.status_code == again.status_code == 303
    outcome = db.session.scalar(select(Outcome))
    assert db.session.scalar(select(func.count(Outcome.id))) == 1
    assert (outcome.incentive_amount, outcome.policy_codes) == (1500, ["JN-DG-ZJ"]), "paid at the level reached"
    db.session.refresh(enrolment)
    assert enrolment.status == "completed"
    page = client.get(f"/admin/enrolments/{enrolment.id}/complete").get_data(as_text=True)
    twice = client.post(f"/admin/enrolments/{enrolment.id}/complete", data={**data, **tokens(page)})
    assert twice.status_code == 422 and "已经登记过了" in twice.get_data(as_text=True)

    bureau = app.test_client()
    log_in(bureau, make_user("admin"))
    db.session.commit()
    listing = bureau.get("/admin/outcomes").get_data(as_text=True)
    assert f'data-outcome-id="{outcome.id}"' in listing and "¥1,500" in listing
    paid = bureau.post(f"/admin/outcomes/{outcome.id}/paid", data=tokens(listing))
    assert paid.status_code == 303
    db.session.refresh(outcome)
    assert outcome.paid_at is not None
    staff_cannot = client.post(f"/admin/outcomes/{outcome.id}/paid", data=tokens(page))
    assert staff_cannot.status_code == 403
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "outcome.paid")) == 1


def test_bureau_keeps_its_lists_with_an_audit_trail_it_can_read(client, login_as, school):
    admin = login_as("admin")
    page = client.get("/admin/towns/new").get_data(as_text=True)
    data = {**tokens(page), "name": "新埭镇", "sort_order": "5"}
    assert client.post("/admin/towns/new", data=data).status_code == 303
    assert client.post("/admin/towns/new", data=data).status_code == 303  # a replay: one town
    assert db.session.scalar(select(func.count(Town.id)).where(Town.name == "新埭镇")) == 1
    town = db.session.scalar(select(Town).where(Town.name == "新埭镇"))
    page = client.get(f"/admin/towns/{town.id}/edit").get_data(as_text=True)
    clash = client.post(f"/admin/towns/{town.id}/edit", data={**tokens(page), "name": "当湖街道"})
    assert clash.status_code == 422 and "同名" in clash.get_data(as_text=True)
    client.post(f"/admin/towns/{town.id}/edit", data={**tokens(page), "name": "新埭镇（新）", "sort_order": "6"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "towns.update"))
    assert entry.actor_id == admin.id and entry.details["before"]["name"] == "新埭镇"
    assert entry.details["after"]["name"] == "新埭镇（新）"

    page = client.get("/admin/users/new").get_data(as_text=True)
    missing = client.post(
        "/admin/users/new", data={**tokens(page), "username": "li", "role": "institution", "password": "longenough"}
    )
    assert missing.status_code == 422 and "院校工作人员要选择所在院校" in missing.get_data(as_text=True)
    made = client.post(
        "/admin/users/new",
        data={
            **tokens(page),
            "username": "li",
            "role": "institution",
            "institution": str(school.id),
            "password": "longenough",
            "active": "y",
        },
    )
    assert made.status_code == 303
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "towns.update" in audit and "新埭镇（新）" in audit and "users.create" in audit
    assert "longenough" not in audit and "password_hash" not in audit

    page = client.get("/admin/policies/new").get_data(as_text=True)
    policy = {
        **tokens(page),
        "code": "JN-X",
        "name": "电工补贴",
        "kind": "skill",
        "basis": "tuition_percent",
        "value": "150",
        "payee": "learner",
    }
    over = client.post("/admin/policies/new", data=policy)
    assert over.status_code == 422 and "百分比不能超过 100" in over.get_data(as_text=True)


def test_the_audit_trail_holds_what_a_list_save_changed_and_nothing_when_it_changed_nothing(client, login_as):
    admin = login_as("admin")
    policy = make_policy(code="JN-DG-CJ", name="电工初级证书补贴", level="初级", value=800)
    db.session.commit()
    answers = {
        "code": "JN-DG-CJ",
        "name": "电工初级证书补贴",
        "kind": "skill",
        "level": "初级",
        "certificate": "",
        "residence": "",
        "basis": "fixed",
        "value": "800",
        "cap": "",
        "payee": "learner",
        "description": "只对本县户籍居民，凭证书原件申领。",
        "active": "y",
    }
    url = f"/admin/policies/{policy.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert client.post(url, data={**tokens(page), **answers}).status_code == 303
    db.session.refresh(policy)
    assert policy.description == "只对本县户籍居民，凭证书原件申领。"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "policies.update")).all()
    assert len(entries) == 1, "a description-only edit is audited"
    assert entries[0].actor_id == admin.id and entries[0].target_id == policy.id
    assert entries[0].details == {
        "before": {"description": ""},
        "after": {"description": "只对本县户籍居民，凭证书原件申领。"},
    }, "before and after of what the save changed, and only that"
    assert "凭证书原件申领" in client.get("/admin/audit?action=policies.update").get_data(as_text=True)

    page = client.get(url).get_data(as_text=True)
    same = client.post(url, data={**tokens(page), **answers})
    assert same.status_code == 303 and same.headers["Location"] == f"/admin/policies#item-{policy.id}"
    count = select(func.count(AuditEntry.id)).where(AuditEntry.action == "policies.update")
    assert db.session.scalar(count) == 1, "a save that changes nothing writes no audit entry"


def test_renaming_an_institution_lets_the_catalogue_find_its_classes_by_the_new_name(client, login_as, school):
    login_as("admin")
    offering = make_offering(programme=make_programme(name="烘焙", institution=school))
    db.session.commit()
    url = f"/admin/institutions/{school.id}/edit"
    page = client.get(url).get_data(as_text=True)
    answers = {"name": "平湖市成人学校", "type": school.type, "town": str(school.town_id)}
    answers |= {"address": school.address, "phone": school.phone}
    assert client.post(url, data={**tokens(page), **answers}).status_code == 303
    db.session.refresh(offering)
    assert "|pinghushichengrenxuexiao|" in offering.search_key and "danghujiedaoshequxuexiao" not in offering.search_key
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "institutions.update"))
    assert entry.details["after"] == {"name": "平湖市成人学校"}


def test_admin_tables_scroll_in_a_focusable_named_region_and_say_when_empty(client, login_as):
    login_as("admin")
    html = client.get("/admin/mentors").get_data(as_text=True)
    assert '<div class="table-wrap" tabindex="0" role="region" aria-label="导师">' in html
    assert '<td colspan="3">没有记录。</td>' in html, "one row across every column: name, kinds, edit"


def test_admin_index_sends_each_role_to_its_start(client, login_as, school):
    login_as("institution", institution=school)
    assert client.get("/admin/").headers["Location"] == "/admin/offerings"
