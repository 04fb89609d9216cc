"""SMS pumping (issue 12): sign-up + cancel loops sent official texts to any number. The public forms
that text are rate-limited per phone and per address; texts per phone are capped per day; a number
that never confirmed a one-time code gets one sign-up receipt a day (its receipt page still works)."""

from __future__ import annotations

import re

import pytest

from app import messages
from app.extensions import db
from app.models import Message, MessageKind, Resident
from tests.factories import make_offering
from tests.helpers import tokens

VICTIM = "13900001111"


def texts_to(app, phone: str) -> list[str]:
    return [text for to, text in app.extensions["sms"].outbox if to == phone]


def sign_up(client, offering, phone=VICTIM, elder=False, **extra):
    path = f"/elder/courses/{offering.id}/signup" if elder else f"/courses/{offering.id}/signup"
    page = client.get(path).get_data(as_text=True)
    data = {**tokens(page), "name": "王芳", "phone": phone, "town": offering.town.name, "consent": "y", **extra}
    return client.post(path, data=data)


def cancel(client, receipt: str) -> None:
    page = client.get(receipt + "/cancel").get_data(as_text=True)
    assert client.post(receipt + "/cancel", data=tokens(page)).status_code == 303


@pytest.fixture
def classes(app):
    made = [make_offering(name=f"课{n}", seats=20) for n in range(8)]
    db.session.commit()
    return made


def test_a_sign_up_and_cancel_loop_texts_a_number_once_and_stops_after_five_sign_ups(client, app, classes):
    offering = classes[0]
    statuses = []
    for _ in range(8):
        response = sign_up(client, offering)
        statuses.append(response.status_code)
        if response.status_code == 303:
            receipt = response.headers["Location"]
            assert 'data-status="confirmed"' in client.get(receipt).get_data(as_text=True), "the receipt page works"
            cancel(client, receipt)
    assert statuses == [303] * 5 + [429] * 3
    assert len(texts_to(app, VICTIM)) == 1, "a number that never confirmed a code: one receipt a day"
    refused = sign_up(client, offering)
    assert refused.status_code == 429 and "这个手机号今天报名和登记的次数太多了" in refused.get_data(as_text=True)


def test_the_per_phone_limit_is_shared_by_the_elder_view_and_counts_only_sign_ups_taken(client, app, classes):
    for _ in range(6):  # typos: sent back with errors, never counted
        assert sign_up(client, classes[0], name="1").status_code == 422
    for n in range(5):
        assert sign_up(client, classes[n], elder=n % 2 == 1).status_code == 303
    assert sign_up(client, classes[5], elder=True).status_code == 429
    assert sign_up(client, classes[5], phone="13900002222").status_code == 303, "another number is not limited"


def test_sign_ups_per_address_are_limited_too(client, app, classes):
    app.config["TEXT_FORM_LIMIT_PER_ADDRESS"] = "3 per hour"
    for n in range(3):
        assert sign_up(client, classes[0], phone=f"1390000300{n}").status_code == 303
    refused = sign_up(client, classes[0], phone="13900003009")
    assert refused.status_code == 429 and "从这个网络提交的报名太多了" in refused.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert sign_up(other, classes[0], phone="13900003009").status_code == 303


def test_a_number_that_confirmed_a_code_gets_every_receipt(client, app, classes):
    sign_up(client, classes[0])
    sign_up(client, classes[1])
    assert len(texts_to(app, VICTIM)) == 1
    start = client.get("/me").get_data(as_text=True)
    page = client.post("/me", data={**tokens(start), "step": "send", "phone": VICTIM}).get_data(as_text=True)
    code = re.search(r"验证码是 (\d{6})", texts_to(app, VICTIM)[-1]).group(1)
    assert client.post("/me", data={**tokens(page), "step": "verify", "code": code}).status_code == 303
    db.session.rollback()
    assert db.session.scalar(db.select(Resident.phone_confirmed_at).where(Resident.phone == VICTIM)) is not None
    sign_up(client, classes[2])
    assert "回执" in texts_to(app, VICTIM)[-1] and len(texts_to(app, VICTIM)) == 3


def test_texts_per_phone_are_capped_per_day_codes_apart_and_offices_not_at_all(app):
    """The caps now apply where texts are delivered (the worker): a text over the cap is a message
    row that failed with reason daily_cap, visible to staff."""
    notices = [messages.queue(VICTIM, "opened", name="课", code=f"A{n}") for n in range(12)]
    code = messages.queue(VICTIM, "code", MessageKind.CODE, code="123456")
    offices = [
        messages.queue("0573-85000000", "class_can_open", MessageKind.STAFF, name="课", code="C", count=n, min=1)
        for n in range(20)
    ]
    db.session.commit()
    states = [db.session.get(Message, m.id) for m in notices]
    assert [(m.state, m.reason) for m in states] == [("sent", None)] * 10 + [("failed", "daily_cap")] * 2
    assert db.session.get(Message, code.id).state == "sent", "codes have their own count"
    assert all(db.session.get(Message, m.id).state == "sent" for m in offices)
    assert len(texts_to(app, VICTIM)) == 11
