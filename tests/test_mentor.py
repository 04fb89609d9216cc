"""Mentors (导师): a mentor account sees only its own residents at /mentor/ and records one-to-one
contacts; the resident sees their mentor and the last contact on /me; mentors are assigned by subject,
then load (residents, not needs)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Mentor, MentorContact, Need, Resident
from app.services import matching
from tests.factories import make_institution, make_town
from tests.helpers import invalid_fields, log_in, make_user, tokens
from tests.test_me_data import sign_in

PHONE_A, PHONE_B = "13812345678", "13987654321"


def _resident(phone, name, town):
    person = Resident(phone=phone, name=name, town=town, consent_method="online")
    db.session.add(person)
    db.session.flush()
    return person


def _need(resident, target="电工", kind="skill", mentor=None):
    need = Need(
        ref=uuid.uuid4().hex, submission_id=uuid.uuid4().hex, resident=resident, kind=kind, target=target, mentor=mentor
    )
    db.session.add(need)
    db.session.flush()
    return need


@pytest.fixture
def world(app):
    town = make_town("东镇")
    school = make_institution("技工学校", town=town)
    first, second = make_user("mentor", username="gu"), make_user("mentor", username="lu")
    gu = Mentor(name="顾老师", institution=school, phone="13900000001", kinds="skill", user_id=first.id)
    lu = Mentor(name="陆老师", institution=school, phone="13900000002", kinds="skill", user_id=second.id)
    db.session.add_all([gu, lu])
    db.session.flush()
    mine = _resident(PHONE_A, "王芳", town)
    theirs = _resident(PHONE_B, "李强", town)
    need = _need(mine, mentor=gu)
    _need(theirs, target="育婴员", mentor=lu)
    db.session.commit()
    return {"gu": gu, "lu": lu, "mine": mine, "theirs": theirs, "need": need, "town": town}


def test_a_mentor_sees_only_their_residents(client, world):
    log_in(client, "gu", path="/worker/login")
    home = client.get("/mentor/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert "王芳" in html and "李强" not in html
    assert client.get(f"/mentor/residents/{world['mine'].id}").status_code == 200
    other = f"/mentor/residents/{world['theirs'].id}"
    assert client.get(other).status_code == 404
    page = client.get(f"/mentor/residents/{world['mine'].id}").get_data(as_text=True)
    posted = client.post(other, data={**tokens(page), "contact_on": "2026-12-01", "method": "phone", "advice": "x"})
    assert posted.status_code == 404
    assert db.session.scalar(select(func.count(MentorContact.id))) == 0
    assert client.get("/worker/").status_code == 403 and client.get("/admin/offerings").status_code == 403


def test_other_roles_cannot_open_mentor_pages(client, world):
    log_in(client, make_user("worker", world["town"]), path="/worker/login")
    assert client.get("/mentor/").status_code == 403


def test_a_contact_is_recorded_once_and_the_resident_sees_it(app, client, world):
    log_in(client, "gu", path="/worker/login")
    url = f"/mentor/residents/{world['mine'].id}"
    page = client.get(url).get_data(as_text=True)
    bad = client.post(url, data={**tokens(page), "contact_on": "2030-01-01", "method": "visit", "advice": "先报初级"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "contact_on" in invalid_fields(html) and "先报初级" in html
    data = {**tokens(page), "contact_on": "2026-11-28", "method": "wechat", "advice": "先报电工初级，周六班"}
    assert client.post(url, data=data).status_code == 303
    assert client.post(url, data=data).status_code == 303  # the same submission again
    assert db.session.scalar(select(func.count(MentorContact.id))) == 1
    assert "先报电工初级" in client.get(url).get_data(as_text=True)

    resident = app.test_client()
    sign_in(app, resident, PHONE_A)
    me = resident.get("/me").get_data(as_text=True)
    assert "顾老师" in me and "2026年11月28日" in me and "陆老师" not in me
    plan = resident.get(f"/needs/{world['need'].ref}").get_data(as_text=True)
    assert "data-mentor-last" in plan and "2026年11月28日" in plan
    data_page = resident.get("/me/data.json").get_data(as_text=True)
    assert "先报电工初级" in data_page


def test_mentors_are_assigned_by_subject_then_load(app, world):
    town, school = world["town"], world["gu"].institution
    electric = [
        Mentor(name=f"电工老师{n}", institution=school, phone="1", kinds="skill", subjects="电工,焊工") for n in (1, 2)
    ]
    db.session.add_all(electric)
    db.session.flush()
    # 电工老师1 guides two residents; 电工老师2 one resident with three needs: fewer residents.
    for phone in ("13700000001", "13700000002"):
        _need(_resident(phone, "甲", town), mentor=electric[0])
    busy = _resident("13700000003", "乙", town)
    for _ in range(3):
        _need(busy, mentor=electric[1])
    wanted = _need(_resident("13700000004", "丙", town), target="电工")
    assert matching.assign_mentor(wanted, []).name == "电工老师2"
    # 育婴员 is no one's subject: the least-loaded mentor of the kind (顾 and 陆 have one resident each).
    other = _need(_resident("13700000005", "丁", town), target="育婴员")
    assert matching.assign_mentor(other, []).name in ("顾老师", "陆老师")
    # A community need: no mentor guides that kind.
    assert matching.assign_mentor(_need(busy, target="烘焙", kind="community"), []) is None


def test_create_user_makes_or_links_a_mentor(runner, app, world):
    school = world["gu"].institution
    made = runner.invoke(
        args=["create-user", "--role", "mentor", "--username", "m1", "--password", "longenough", "--name", "钱老师",
              "--institution", str(school.id), "--phone", "13900000009", "--subjects", "育婴员，家政"]
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    mentor = db.session.scalar(select(Mentor).where(Mentor.name == "钱老师"))
    assert mentor.user_id is not None and mentor.subject_list == ["育婴员", "家政"]
    spare = Mentor(name="孙老师", institution=school, phone="13900000010", kinds="degree")
    db.session.add(spare)
    db.session.commit()
    linked = runner.invoke(
        args=[
            "create-user",
            "--role",
            "mentor",
            "--username",
            "m2",
            "--password",
            "longenough",
            "--mentor",
            str(spare.id),
        ]
    )
    assert linked.exit_code == 0, linked.output
    assert db.session.get(Mentor, spare.id).user_id is not None
    unlinked = runner.invoke(args=["create-user", "--role", "mentor", "--username", "m3", "--password", "longenough"])
    assert unlinked.exit_code != 0 and "--mentor" in unlinked.output


def test_the_bureau_edits_a_mentors_subjects_and_account(client, world):
    gu = world["gu"]
    spare = make_user("mentor", username="zhao")
    admin = make_user("admin", username="boss")
    db.session.commit()
    log_in(client, admin)
    url = f"/admin/mentors/{gu.id}/edit"
    page = client.get(url).get_data(as_text=True)
    form = {
        **tokens(page),
        "name": "顾老师",
        "institution": str(gu.institution_id),
        "phone": "13900000001",
        "kinds": "skill",
        "subjects": "电工，焊工",
        "active": "y",
    }
    taken = client.post(url, data={**form, "account": str(world["lu"].user_id)})
    assert taken.status_code == 422 and "另一位导师" in taken.get_data(as_text=True)
    assert client.post(url, data={**form, "account": str(spare.id)}).status_code == 303
    saved = db.session.get(Mentor, gu.id)
    assert saved.subjects == "电工,焊工" and saved.user_id == spare.id
