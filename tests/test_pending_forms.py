"""A staff form posted after its log-in lapsed waits on the server for the same person (any length;
files by name only, to be chosen again), for an hour (app.auth, PendingForm)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import PendingForm, Programme
from tests.factories import make_institution, make_town
from tests.helpers import PASSWORD, tokens

START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
AGAIN = "请再点一次提交"


@pytest.fixture
def school(app):
    institution = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    db.session.commit()
    return institution


def lapse(app, hours: float = 2) -> None:
    app.config["CLOCK_NOW"] = START + dt.timedelta(hours=hours)  # an hour idle ends a log-in


def log_in_again(client, location: str, user):
    login = client.get(location).get_data(as_text=True)
    assert "您刚才填写的内容都还在" in login
    return client.post(location, data={**tokens(login), "username": user.username, "password": PASSWORD})


def test_a_10_kb_answer_posted_after_the_log_in_lapsed_comes_back_whole(client, app, login_as, school):
    app.config["CLOCK_NOW"] = START
    staff = login_as("institution", institution=school)
    page = client.get("/admin/programmes/new").get_data(as_text=True)
    description = "".join(f"第{n}段：烘焙课的说明，写得很长。" for n in range(400))
    assert len(description.encode()) > 10_000
    answers = {"kind": "community", "name": "烘焙入门", "description": description}
    lapse(app)
    ended = client.post("/admin/programmes/new", data={**tokens(page), **answers})
    assert ended.status_code == 303 and "login?next=/admin/programmes/new" in ended.headers["Location"]
    assert len(client.get_cookie("session").value) < 1000, "the cookie holds a token, not the answers"

    back = log_in_again(client, ended.headers["Location"], staff)
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and "data-autosubmit" in html
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    assert ("description", description) in fields, "all 10 KB of it"
    assert db.session.scalar(select(func.count(PendingForm.id))) == 0, "taken as it was shown"
    shown = client.post("/admin/programmes/new", data=MultiDict(fields)).get_data(as_text=True)
    assert AGAIN in shown and description in shown and 'value="烘焙入门"' in shown
    assert db.session.scalar(select(func.count(Programme.id))) == 0, "nothing saved until sent again"


def test_a_file_is_not_kept_and_the_page_says_to_choose_it_again(client, app, login_as, school):
    app.config["CLOCK_NOW"] = START
    staff = login_as("institution", institution=school)
    page = client.get("/admin/import").get_data(as_text=True)
    lapse(app)
    ended = client.post(
        "/admin/import",
        data={**tokens(page), "file": (io.BytesIO(b"\xef\xbb\xbf\xe5\xbc\x80\xe7\x8f\xad"), "春季班.csv")},
        content_type="multipart/form-data",
    )
    assert ended.status_code == 303
    html = log_in_again(client, ended.headers["Location"], staff).get_data(as_text=True)
    assert "春季班.csv" in html and "请重新选择文件" in html
    assert "data-autosubmit" not in html, "not pressed by itself: the person reads that first"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    shown = client.post("/admin/import", data=MultiDict(fields)).get_data(as_text=True)
    assert AGAIN in shown and "请选择要导入的表格文件" in shown


def test_answers_wait_an_hour_at_most(client, app, login_as, school):
    app.config["CLOCK_NOW"] = START
    staff = login_as("institution", institution=school)
    page = client.get("/admin/programmes/new").get_data(as_text=True)
    lapse(app)
    ended = client.post("/admin/programmes/new", data={**tokens(page), "kind": "community", "name": "烘焙"})
    lapse(app, hours=3.5)
    back = log_in_again(client, ended.headers["Location"], staff)
    assert back.status_code == 303 and "烘焙" not in back.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PendingForm.id))) == 0
