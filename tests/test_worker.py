"""Community workers: log-in, finding residents, assisted need entry with read-back, audit, /me stamp."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Need, Resident
from tests.factories import make_offering, make_town
from tests.helpers import tokens
from tests.test_needs import answers


@pytest.fixture
def town(app):
    town = make_town("当湖街道")
    make_offering(name="电工（初级）", kind="skill")
    db.session.commit()
    return town


def test_login_page_and_wrong_password(client, app, town):
    from app.services.staff import create_or_update_user

    create_or_update_user("worker", "zhang", "correct horse", town=str(town.id))
    db.session.commit()
    page = client.get("/worker/login").get_data(as_text=True)
    bad = client.post("/worker/login", data={**tokens(page), "username": "zhang", "password": "nope"})
    assert bad.status_code == 422 and "用户名或密码不对" in bad.get_data(as_text=True)
    assert 'value="zhang"' in bad.get_data(as_text=True) and "nope" not in bad.get_data(as_text=True)
    good = client.post(
        "/worker/login?next=/worker/residents", data={**tokens(page), "username": "zhang", "password": "correct horse"}
    )
    assert good.status_code == 303 and good.headers["Location"] == "/worker/residents"


def test_login_is_rate_limited(client, app, town):
    page = client.get("/worker/login").get_data(as_text=True)
    for _ in range(10):
        client.post("/worker/login", data={**tokens(page), "username": "x", "password": "y"})
    assert client.post("/worker/login", data={**tokens(page), "username": "x", "password": "y"}).status_code == 429


def test_create_user_command(runner, app, town):
    result = runner.invoke(
        args=["create-user", "--role", "worker", "--username", "li", "--password", "longenough", "--town", "当湖街道"]
    )
    assert result.exit_code == 0 and "created worker li" in result.output
    bad = runner.invoke(args=["create-user", "--role", "institution", "--username", "x", "--password", "longenough"])
    assert bad.exit_code != 0 and "--institution" in bad.output


@pytest.mark.parametrize(
    "path", ["/worker/", "/worker/residents?q=138", "/worker/needs/new", "/worker/outbox", "/worker/policies"]
)
def test_worker_pages_refuse_anonymous_and_other_roles(client, login_as, town, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/worker/login?next=")
    login_as("institution")
    assert client.get(path).status_code == 403


def test_assisted_need_reads_back_then_saves_once_with_audit_and_stamp(client, login_as, town):
    worker = login_as("worker", town=town)
    form = client.get("/worker/needs/new").get_data(as_text=True)
    assert 'autocomplete="off"' in form
    data = {**tokens(form), **answers(), "consent_method": "口头同意", "step": "review"}
    readback = client.post("/worker/needs/new", data=data)
    html = readback.get_data(as_text=True)
    assert readback.status_code == 200 and "请居民核对" in html and "王芳" in html and "电工证" in html
    assert db.session.scalar(select(func.count(Need.id))) == 0, "nothing saved before the resident confirms"
    confirm = {**data, "step": "confirm"}
    first = client.post("/worker/needs/new", data=confirm)
    again = client.post("/worker/needs/new", data=confirm)
    assert first.status_code == again.status_code == 303 and first.headers["Location"] == again.headers["Location"]
    need = db.session.scalar(select(Need))
    assert (need.source, need.consent_method, need.entered_by_id) == ("assisted", "口头同意", worker.id)
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.actor_id, entry.action, entry.resident_id) == (worker.id, "need.assisted", need.resident_id)
    saved = client.get(first.headers["Location"])
    assert "下一位居民" in saved.get_data(as_text=True) and saved.headers["Cache-Control"] == "no-store"
    fresh = client.get("/worker/needs/new").get_data(as_text=True)
    assert "王芳" not in fresh and "13812345678" not in fresh, "the next resident starts from a clean form"
    assert tokens(fresh)["submission_id"] != data["submission_id"]


def test_edit_from_read_back_keeps_the_answers(client, login_as, town):
    login_as("worker", town=town)
    form = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(form), **answers(), "consent_method": "本人签字", "step": "edit"}
    html = client.post("/worker/needs/new", data=data).get_data(as_text=True)
    assert 'value="王芳"' in html and "error-summary" not in html


def test_assisted_form_errors(client, login_as, town):
    login_as("worker", town=town)
    form = client.get("/worker/needs/new").get_data(as_text=True)
    response = client.post("/worker/needs/new", data={**tokens(form), **answers(consent=None), "step": "review"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择居民同意的方式" in html and "请先征得居民同意并勾选" in html


def test_resident_sees_who_entered_what_at_me(client, app, login_as, town):
    worker = login_as("worker", town=town)
    form = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(form), **answers(), "consent_method": "家属代办", "step": "confirm"}
    client.post("/worker/needs/new", data=data)
    resident_client = app.test_client()
    start = resident_client.get("/me").get_data(as_text=True)
    page = resident_client.post("/me", data={**tokens(start), "step": "send", "phone": "13812345678"})
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    resident_client.post("/me", data={**tokens(page.get_data(as_text=True)), "step": "verify", "code": code})
    records = resident_client.get("/me").get_data(as_text=True)
    assert f"由社区工作者 {worker.name}" in records and "家属代办" in records


def test_numbers_masked_except_for_the_workers_own_town(client, login_as, town):
    other = make_town("乍浦镇")
    db.session.add_all(
        [
            Resident(phone="13812345678", name="王芳", town_id=town.id, consent_method="online"),
            Resident(phone="13912345678", name="王强", town_id=other.id, consent_method="online"),
        ]
    )
    db.session.commit()
    login_as("worker", town=town)
    page = client.get("/worker/residents").get_data(as_text=True)
    html = client.post("/worker/residents", data={**tokens(page), "q": "王"}).get_data(as_text=True)
    assert "13812345678" in html
    # Another town's resident is found only by a whole name or number (issue 12), and shown masked.
    html = client.post("/worker/residents", data={**tokens(page), "q": "王强"}).get_data(as_text=True)
    assert "139****5678" in html and "13912345678" not in html
    assert "王芳" in client.post("/worker/residents", data={**tokens(page), "q": "5678"}).get_data(as_text=True)


def test_assisted_signup_reads_back_then_enrols_once_with_audit(client, app, login_as, town):
    from app.models import Enrolment

    offering = make_offering(name="烘焙", seats=5, town=town)
    worker = login_as("worker", town=town)
    assert f'href="/worker/courses/{offering.id}/signup"' in client.get(f"/courses/{offering.id}").get_data(
        as_text=True
    )
    form = client.get(f"/worker/courses/{offering.id}/signup").get_data(as_text=True)
    data = {
        **tokens(form),
        "name": "张大爷",
        "phone": "13912345678",
        "town": str(town.id),
        "consent_method": "本人签字",
        "consent": "y",
        "step": "review",
    }
    readback = client.post(f"/worker/courses/{offering.id}/signup", data=data)
    assert readback.status_code == 200 and "请居民核对" in readback.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    first = client.post(f"/worker/courses/{offering.id}/signup", data={**data, "step": "confirm"})
    again = client.post(f"/worker/courses/{offering.id}/signup", data={**data, "step": "confirm"})
    assert first.status_code == again.status_code == 303 and first.headers["Location"] == again.headers["Location"]
    enrolment = db.session.scalar(select(Enrolment))
    assert (enrolment.source, enrolment.consent_method, enrolment.entered_by_id, enrolment.status) == (
        "assisted",
        "本人签字",
        worker.id,
        "confirmed",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "enrolment.assisted"))
    assert entry.actor_id == worker.id and entry.resident_id == enrolment.resident_id
    saved = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "为下一位居民报这门课" in saved and "139****5678" in saved
    assert app.extensions["sms"].outbox[-1][0] == "13912345678"


def test_assisted_signup_errors_keep_values(client, login_as, town):
    offering = make_offering(name="烘焙", town=town)
    login_as("worker", town=town)
    form = client.get(f"/worker/courses/{offering.id}/signup").get_data(as_text=True)
    response = client.post(
        f"/worker/courses/{offering.id}/signup",
        data={**tokens(form), "name": "张大爷", "phone": "139", "town": str(town.id), "step": "review"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="张大爷"' in html and "请选择居民同意的方式" in html


def test_me_lists_signups_with_who_entered_them(client, app, login_as, town):
    offering = make_offering(name="烘焙", town=town)
    worker = login_as("worker", town=town)
    form = client.get(f"/worker/courses/{offering.id}/signup").get_data(as_text=True)
    client.post(
        f"/worker/courses/{offering.id}/signup",
        data={
            **tokens(form),
            "name": "张大爷",
            "phone": "13912345678",
            "town": str(town.id),
            "consent_method": "口头同意",
            "consent": "y",
            "step": "confirm",
        },
    )
    resident_client = app.test_client()
    start = resident_client.get("/me").get_data(as_text=True)
    page = resident_client.post("/me", data={**tokens(start), "step": "send", "phone": "13912345678"})
    code = re.search(r"验证码是 (\d{6})", app.extensions["sms"].outbox[-1][1]).group(1)
    resident_client.post("/me", data={**tokens(page.get_data(as_text=True)), "step": "verify", "code": code})
    records = resident_client.get("/me").get_data(as_text=True)
    assert "我的报名" in records and "烘焙" in records and "已确认" in records and "取消这个报名" in records
    assert f"由社区工作者 {worker.name}" in records and "代为报名（口头同意）" in records


@pytest.mark.parametrize("target", ["/\\evil.example/phish", "//evil.example", "https://evil.example/", "/ok\x00x"])
def test_login_never_sends_the_worker_off_site(client, htmx, app, town, target):
    from app.services.staff import create_or_update_user

    create_or_update_user("worker", "zhao", "correct horse", town=str(town.id))
    db.session.commit()
    page = client.get("/worker/login").get_data(as_text=True)
    data = {**tokens(page), "username": "zhao", "password": "correct horse"}
    plain = client.post("/worker/login", query_string={"next": target}, data=data)
    assert plain.headers["Location"] == "/worker/"
    client.post("/logout", data=tokens(client.get("/worker/login").get_data(as_text=True)))
    page = htmx.get("/worker/login").get_data(as_text=True)
    enhanced = htmx.post("/worker/login", query_string={"next": target}, data={**data, **tokens(page)})
    assert enhanced.headers["HX-Redirect"] == "/worker/"
