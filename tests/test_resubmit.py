"""Nothing typed is lost (issue 12): a form posted after its session or CSRF token expired comes back
with every answer kept, a fresh token and "请再点一次提交" — public, 长辈版, worker and admin, with
JavaScript (HTMX) or without — and a staff member whose log-in ended finds the answers again after
logging in. One mechanism (app.resubmit) for all of them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import AuditEntry, CallbackRequest, Enrolment, Need, Offering
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import hidden, tokens
from tests.test_admin import offering_answers
from tests.test_needs import answers

AGAIN = "请再点一次提交"


def stale(page: str) -> dict:
    """The tokens the page was given, its CSRF token no longer valid (expired, or another session)."""
    return {**tokens(page), "csrf_token": "IjA0NzE2YjU1ZjU0In0.expired.token"}


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(model.id)))


def kept(html: str, *values: str) -> bool:
    return all(f'value="{v}"' in html for v in values)


@pytest.fixture
def town(app):
    town = make_town("当湖街道")
    db.session.commit()
    return town


@pytest.mark.parametrize("htmx", [False, True])
def test_a_public_sign_up_comes_back_with_its_answers_and_a_fresh_token(client, app, town, htmx):
    offering = make_offering(town=town)
    db.session.commit()
    path = f"/courses/{offering.id}/signup"
    page = client.get(path).get_data(as_text=True)
    data = {**stale(page), "name": "王芳", "phone": "138 1234 5678", "town": str(town.id), "consent": "y"}
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(path, data=data, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == (422 if htmx else 400) and AGAIN in html and 'role="alert"' in html
    assert kept(html, "王芳", "13812345678") and f'<option selected value="{town.id}">' in html
    assert re.search(r'id="consent"[^>]*checked|checked[^>]*id="consent"', html), "the box stays ticked"
    assert ("<html" in html) is not htmx
    assert hidden(html, "submission_id") == data["submission_id"] and hidden(html, "csrf_token") != data["csrf_token"]
    assert count(Enrolment) == 0, "nothing is saved from the stale post"
    again = client.post(path, data={**data, **tokens(html)}, headers=headers)
    assert again.status_code in (204, 303) and count(Enrolment) == 1


def test_a_form_whose_session_is_gone_comes_back_too(app, town):
    browser = app.test_client()
    page = browser.get("/needs/new").get_data(as_text=True)
    later = app.test_client()  # the browser was closed: no session cookie at all any more
    response = later.post("/needs/new", data={**tokens(page), **answers()})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and AGAIN in html and kept(html, "王芳", "电工证")
    assert later.post("/needs/new", data={**tokens(html), **answers()}).status_code == 303
    assert count(Need) == 1


def test_the_elder_sign_up_and_call_back_come_back_in_the_elder_layout(client, app, town):
    offering = make_offering(town=town, senior=True)
    db.session.commit()
    for path, data in (
        (f"/elder/courses/{offering.id}/signup", {"name": "李阿姨", "phone": "13912345678", "town": str(town.id)}),
        (f"/elder/courses/{offering.id}/callback", {"name": "李阿姨", "phone": "13912345678"}),
    ):
        page = client.get(path).get_data(as_text=True)
        html = client.post(path, data={**stale(page), **data}).get_data(as_text=True)
        assert AGAIN in html and kept(html, "李阿姨", "13912345678") and "elder" in html, path
        assert client.post(path, data={**data, **tokens(html)}).status_code == 303, path
    assert count(Enrolment) == 1 and count(CallbackRequest) == 1


def test_a_workers_need_form_comes_back_after_a_new_log_in_elsewhere(client, app, login_as, town):
    worker = login_as("worker", town=town)
    page = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(page), **answers(), "consent_method": "口头同意", "step": "review"}
    client.post("/logout", data=tokens(page))
    login_as("worker", town=town, username=worker.username)  # a new session: the page's token is stale
    html = client.post("/worker/needs/new", data=data).get_data(as_text=True)
    assert AGAIN in html and kept(html, "王芳", "电工证")
    readback = client.post("/worker/needs/new", data={**data, **tokens(html)})
    assert readback.status_code == 200 and "请居民核对" in readback.get_data(as_text=True)


def test_an_admin_class_form_comes_back_with_its_answers(client, app, login_as):
    school = make_institution(name="当湖街道社区学校")
    programme = make_programme(name="烘焙", institution=school)
    db.session.commit()
    login_as("institution", institution=school)
    page = client.get("/admin/offerings/new").get_data(as_text=True)
    answers_ = offering_answers(programme, school.town, place="文化礼堂 2 楼")
    html = client.post("/admin/offerings/new", data={**stale(page), **answers_}).get_data(as_text=True)
    assert AGAIN in html and kept(html, "文化礼堂 2 楼", "DH-2026-01", "2027/3/1")
    assert count(Offering) == 0
    assert client.post("/admin/offerings/new", data={**answers_, **tokens(html)}).status_code == 303
    assert count(Offering) == 1


def test_after_an_expired_log_in_the_answers_wait_for_the_same_person(client, app, login_as, town):
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    app.config["CLOCK_NOW"] = start
    worker = login_as("worker", town=town)
    page = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(page), **answers(), "consent_method": "口头同意", "step": "review"}
    app.config["CLOCK_NOW"] = start + dt.timedelta(hours=2)  # an hour idle ended the log-in
    ended = client.post("/worker/needs/new", data=data)
    assert ended.status_code == 303 and ended.headers["Location"].startswith("/worker/login?next=")
    login = client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "您刚才填写的内容都还在" in login
    back = client.post(
        ended.headers["Location"], data={**tokens(login), "username": worker.username, "password": "correct horse"}
    )
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and "data-autosubmit" in html and 'name="_resubmit"' in html
    assert kept(html, "王芳", "电工证") and 'action="/worker/needs/new"' in html
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    shown = client.post("/worker/needs/new", data=MultiDict(fields)).get_data(as_text=True)
    assert AGAIN in shown and kept(shown, "王芳", "电工证") and count(Need) == 0
    assert client.post("/worker/needs/new", data={**data, **tokens(shown)}).status_code == 200, "the read-back"


def test_another_user_never_gets_the_answers(client, app, login_as, town):
    start = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    app.config["CLOCK_NOW"] = start
    login_as("worker", town=town)
    page = client.get("/worker/needs/new").get_data(as_text=True)
    app.config["CLOCK_NOW"] = start + dt.timedelta(hours=2)
    client.post("/worker/needs/new", data={**tokens(page), **answers(), "step": "review"})
    login_as("worker", town=town)  # someone else on the same phone
    assert "王芳" not in client.get("/worker/").get_data(as_text=True)
    with client.session_transaction() as saved:
        assert "carried_form" not in saved


def test_a_view_that_acts_without_a_form_is_never_run_on_a_stale_token(client, app, login_as, town):
    login_as("worker", town=town)
    page = client.get("/worker/residents").get_data(as_text=True)
    response = client.post("/worker/residents", data={**stale(page), "q": "王"})
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0, "the search (and its audit) did not run"


def test_a_bare_action_button_on_a_stale_token_changes_nothing(client, app, login_as):
    school = make_institution()
    offering = make_offering(programme=make_programme(institution=school))
    db.session.commit()
    login_as("institution", institution=school)
    page = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    response = client.post(f"/admin/offerings/{offering.id}/status", data={**stale(page), "status": "cancelled"})
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.get(Offering, offering.id).status == "open"
