"""/me: a resident proves their phone with a one-time code and sees their own records."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.models import Need, OneTimeCode, Resident
from tests.helpers import tokens

PHONE = "13812345678"


@pytest.fixture
def resident(app):
    person = Resident(phone=PHONE, name="王芳", consent_method="online")
    db.session.add(person)
    db.session.flush()
    db.session.add(
        Need(ref="plan-ref-abcdefghijklmnop", submission_id="a" * 32, resident=person, kind="community", target="烘焙")
    )
    db.session.commit()
    return person


def outbox(app) -> list[tuple[str, str]]:
    return app.extensions["sms"].outbox


def ask_for_code(client, phone=PHONE):
    start = client.get("/me").get_data(as_text=True)
    return client.post("/me", data={**tokens(start), "step": "send", "phone": phone})


def enter_code(client, page_html: str, code: str):
    return client.post("/me", data={**tokens(page_html), "step": "verify", "code": code})


def sent_code(app) -> str:
    return re.search(r"\d{6}", outbox(app)[-1][1]).group(0)


def test_code_by_sms_then_my_records(app, client, resident):
    page = ask_for_code(client, phone="138 1234 5678")
    assert page.status_code == 200 and "138****5678" in page.get_data(as_text=True)
    assert outbox(app)[-1][0] == PHONE
    response = enter_code(client, page.get_data(as_text=True), sent_code(app))
    assert response.status_code == 303
    records = client.get("/me").get_data(as_text=True)
    assert "烘焙" in records and "/needs/plan-ref-abcdefghijklmnop" in records
    assert PHONE not in records and "138****5678" in records


def test_wrong_code_says_what_to_do_and_five_tries_lock_the_code(app, client, resident):
    page = ask_for_code(client).get_data(as_text=True)
    right = sent_code(app)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        response = enter_code(client, page, wrong)
        assert response.status_code == 422 and "验证码不对或已过期" in response.get_data(as_text=True)
    assert enter_code(client, page, right).status_code == 422, "locked after five wrong tries"
    assert "烘焙" not in client.get("/me").get_data(as_text=True)


def test_codes_expire_and_are_single_use(app, client, resident):
    page = ask_for_code(client).get_data(as_text=True)
    code = sent_code(app)
    row = db.session.query(OneTimeCode).one()
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    assert enter_code(client, page, code).status_code == 422
    page = ask_for_code(client).get_data(as_text=True)
    code = sent_code(app)
    assert enter_code(client, page, code).status_code == 303
    client.post("/me/logout", data={"csrf_token": tokens(client.get("/me").get_data(as_text=True))["csrf_token"]})
    page = ask_for_code(client).get_data(as_text=True)
    assert enter_code(client, page, code).status_code == 422, "a used code does not work twice"


def test_unknown_numbers_get_the_same_answer_and_no_sms(app, client, resident):
    response = ask_for_code(client, phone="13900000000")
    assert response.status_code == 200 and "139****0000" in response.get_data(as_text=True)
    assert outbox(app) == []


def test_codes_are_stored_hashed(app, client, resident):
    ask_for_code(client)
    assert sent_code(app) not in db.session.query(OneTimeCode).one().code_hash


def test_code_requests_are_rate_limited_per_phone(app, client, resident):
    for _ in range(5):
        assert ask_for_code(client).status_code == 200
    response = ask_for_code(client)
    assert response.status_code == 429 and "操作太频繁" in response.get_data(as_text=True)


def test_bad_phone_is_an_error_with_the_value_kept(app, client):
    response = ask_for_code(client, phone="12345")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="12345"' in html and 'aria-invalid="true"' in html


def test_development_mode_shows_the_code_marked_as_such(app, client, resident):
    app.config["SHOW_DEV_CODES"] = True
    html = ask_for_code(client).get_data(as_text=True)
    assert "开发模式" in html and sent_code(app) in html
