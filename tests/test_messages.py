"""Messages as records (issue 15): written with their cause, delivered by the worker exactly once.

In these tests Huey runs in immediate mode (config MESSAGES_IMMEDIATE): a commit's messages are
delivered in-process at once. The last tests start the real worker process (huey_consumer) against
the fake Alibaba endpoint, and kill it mid-batch."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
import uuid

import pytest
from sqlalchemy import func, select, update

from app import clock, messages
from app.extensions import db
from app.messages import delivery, reminders, tasks
from app.models import AuditEntry, Enrolment, Message, MessageKind, Offering
from app.services import enrolment as enrolment_service
from app.services.enrolment import as_utc
from app.services.residents import Person
from app.sms import GatewayError
from bench.common import environment, message_worker
from bench.fake_alibaba import FakeAlibaba
from tests.factories import TODAY, make_offering

PHONE = "13900005555"
SHANGHAI = clock.TZ


def outbox(app) -> list[tuple[str, str]]:
    return app.extensions["sms"].outbox


def rows() -> list[Message]:
    db.session.rollback()
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def enrol(offering: Offering, phone: str = PHONE) -> Enrolment:
    person = Person(name="王芳", phone=phone, town_id=offering.town_id, residence="户籍")
    return enrolment_service.enrol(
        offering, person, submission_id=uuid.uuid4().hex, today=TODAY, receipt_link=lambda ref: f"http://x/r/{ref}"
    )


def pin(app, when: dt.datetime) -> None:
    app.config["CLOCK_NOW"] = when


def test_a_sign_up_whose_transaction_rolls_back_sends_nothing(app):
    offering = make_offering(seats=5)
    db.session.commit()
    enrol(offering)
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1, "the row is written with the sign-up"
    db.session.rollback()
    assert rows() == [] and outbox(app) == [], "rolled back: no row, no text"

    enrolment = enrol(db.session.get(Offering, offering.id))
    db.session.commit()
    [message] = rows()
    assert (message.state, message.template, message.kind) == ("sent", "signup_confirmed", "receipt")
    assert message.attempts == 1
    assert message.sent_at is not None and message.resident_id == enrolment.resident_id
    assert outbox(app) == [(PHONE, f"学后：您已报上“烘焙”。报名号 {enrolment.code}。回执：http://x/r/{enrolment.ref}")]
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "message.sent"))
    assert audit.target_id == message.id and audit.resident_id == enrolment.resident_id
    assert PHONE not in json.dumps(audit.details, ensure_ascii=False), "the audit names the template, not the number"


def test_an_enqueue_lost_after_the_commit_is_sent_by_the_sweep(app, monkeypatch):
    def queue_down(*args, **kwargs):
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(tasks, "deliver", queue_down)
    messages.queue(PHONE, "opened", name="课", code="A1")
    db.session.commit()
    assert [m.state for m in rows()] == ["queued"] and outbox(app) == []
    monkeypatch.undo()
    assert tasks.sweep() == 1
    assert [m.state for m in rows()] == ["sent"] and len(outbox(app)) == 1
    assert tasks.sweep() == 0, "nothing left to send"
    assert len(outbox(app)) == 1


def test_a_failed_send_is_retried_with_backoff_and_a_refused_one_fails_at_once(app, monkeypatch):
    start = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)
    pin(app, start)
    sender = app.extensions["sms"]
    real_send = sender.send
    failures = ["isp.RAM_PERMISSION_DENY", "isv.BUSINESS_LIMIT_CONTROL"]

    def flaky(message):
        if failures:
            raise GatewayError(failures.pop(0))
        return real_send(message)

    monkeypatch.setattr(sender, "send", flaky)
    messages.queue(PHONE, "opened", name="课", code="A1")
    db.session.commit()
    [message] = rows()
    assert (message.state, message.attempts, message.reason) == ("queued", 1, "isp.RAM_PERMISSION_DENY")
    assert as_utc(message.next_attempt_at) == start + dt.timedelta(seconds=30)
    assert tasks.sweep() == 0, "not due yet"
    pin(app, start + dt.timedelta(seconds=31))
    tasks.sweep()
    [message] = rows()
    assert (message.state, message.attempts) == ("queued", 2)
    assert as_utc(message.next_attempt_at) == start + dt.timedelta(seconds=31 + 120), "the wait grows"
    pin(app, start + dt.timedelta(seconds=200))
    tasks.sweep()
    assert [(m.state, m.attempts) for m in rows()] == [("sent", 3)] and len(outbox(app)) == 1

    monkeypatch.setattr(sender, "send", lambda message: (_ for _ in ()).throw(GatewayError("isv.X", permanent=True)))
    messages.queue(PHONE, "opened", name="课", code="A2")
    db.session.commit()
    assert [(m.state, m.reason) for m in rows()][-1] == ("failed", "isv.X")


def test_quiet_hours_hold_texts_for_the_morning_but_never_one_time_codes(app):
    app.config["SMS_QUIET_HOURS"] = (21, 8)
    pin(app, dt.datetime(2026, 12, 1, 22, 30, tzinfo=SHANGHAI))
    notice = messages.queue(PHONE, "opened", name="课", code="A1")
    code = messages.queue(PHONE, "code", MessageKind.CODE, code="123456")
    db.session.commit()
    by_id = {m.id: m for m in rows()}
    assert by_id[code.id].state == "sent" and by_id[notice.id].state == "queued"
    assert as_utc(by_id[notice.id].next_attempt_at) == dt.datetime(2026, 12, 2, 8, 0, tzinfo=SHANGHAI)
    pin(app, dt.datetime(2026, 12, 2, 7, 59, tzinfo=SHANGHAI))
    assert tasks.sweep() == 0
    pin(app, dt.datetime(2026, 12, 2, 8, 1, tzinfo=SHANGHAI))
    assert tasks.sweep() == 1
    assert all(m.state == "sent" for m in rows())
    assert outbox(app)[0][1].startswith("【学后】您的验证码是"), "the code went first, at night"


def test_one_time_codes_are_first_in_line(app, monkeypatch):
    monkeypatch.setattr(tasks, "deliver", lambda *a: None)  # nothing handed over: the sweep decides the order
    for n in range(3):
        messages.queue(f"1390000000{n}", "opened", name="课", code=f"A{n}")
    code = messages.queue(PHONE, "code", MessageKind.CODE, code="123456")
    db.session.commit()
    assert delivery.due_ids()[0] == code.id


def test_a_claim_left_by_a_dead_worker_is_settled_by_asking_the_gateway(app, monkeypatch):
    monkeypatch.setattr(tasks, "deliver", lambda *a: None)
    went, lost = (messages.queue(PHONE, "opened", name="课", code=f"A{n}") for n in range(2))
    db.session.commit()
    old = clock.utcnow() - dt.timedelta(seconds=app.config["SMS_CLAIM_LEASE"] + 1)
    db.session.execute(update(Message).values(state="sending", claim_token="dead", claimed_at=old, attempts=1))
    db.session.commit()
    app.extensions["sms"].ids.append(went.id)  # the gateway got this one before the worker died
    monkeypatch.undo()
    tasks.sweep()
    states = {m.id: m.state for m in rows()}
    assert states == {went.id: "sent", lost.id: "sent"}
    assert len(outbox(app)) == 1, "only the one the gateway never got is sent again"


def test_the_day_before_each_session_confirmed_people_get_a_reminder(app):
    tomorrow = TODAY + dt.timedelta(days=1)
    offering = make_offering(start_date=tomorrow, weekday=tomorrow.isoweekday())
    db.session.commit()
    enrol(offering)
    enrol(offering, phone="13900006666")
    db.session.commit()
    outbox(app).clear()
    assert reminders.queue_reminders() == 2
    assert reminders.queue_reminders() == 0, "once per meeting"
    texts = [text for _, text in outbox(app)]
    assert len(texts) == 2 and texts[0] == "学后：提醒您明天 12月2日 09:00–10:30 上“烘焙”，地点：社区活动室。"


def test_a_draw_with_many_entries_runs_in_the_worker(client, app, monkeypatch):
    app.config["DRAW_IN_REQUEST_MAX"] = 3
    offering = make_offering(seats=2)
    offering.allocation = "lottery"
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    db.session.commit()
    for n in range(5):
        enrol(db.session.get(Offering, offering.id), phone=f"1390000700{n}")
    db.session.commit()
    offering = db.session.get(Offering, offering.id)
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()
    handed = []
    real = tasks.draw_task
    monkeypatch.setattr(tasks, "draw_task", lambda offering_id: handed.append(offering_id) or real(offering_id))
    outbox(app).clear()
    assert client.get(f"/courses/{offering.id}").status_code == 200
    assert handed == [offering.id], "the request handed the draw to the worker"
    db.session.rollback()
    assert db.session.get(Offering, offering.id).draw_entries == 5
    assert (
        sorted(m.template for m in rows() if m.template.startswith("drawn"))
        == ["drawn_waitlisted"] * 3 + ["drawn_won"] * 2
    )
    assert len(outbox(app)) == 5


# The real worker process ---------------------------------------------------------------------------


def worker_env(database, fake: FakeAlibaba, queue_file: str) -> dict:
    env = environment(database.url)
    env.update(
        XUEHOU_QUEUE_URL=f"sqlite:///{queue_file}",
        SMS_SENDER="app.messages.alibaba:AlibabaSender",
        SMS_ALIBABA_ENDPOINT=fake.endpoint,
        SMS_ALIBABA_PROTOCOL="http",
        SMS_ALIBABA_ACCESS_KEY_ID="test",
        SMS_ALIBABA_ACCESS_KEY_SECRET="test",
        SMS_ALIBABA_TEMPLATES="opened=SMS_100",
        SMS_QUIET_HOURS="off",
        SMS_CLAIM_LEASE="1",
    )
    return env


def wait_for(condition, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def count(state: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Message).where(Message.state == state))


@pytest.fixture
def fake_gateway():
    fake = FakeAlibaba().start()
    yield fake
    fake.stop()


def test_killing_the_worker_mid_batch_and_starting_it_again_sends_every_message_exactly_once(
    app, database, fake_gateway, tmp_path, monkeypatch
):
    monkeypatch.setattr(tasks, "deliver", lambda *a: None)  # the test process only writes rows
    total = 120
    for n in range(total):
        messages.queue(f"139{n:08d}", "opened", name="课", code=f"A{n}")
    db.session.commit()
    fake_gateway.delay = 0.03  # so that there is a middle of the batch to kill it in
    env = worker_env(database, fake_gateway, str(tmp_path / "queue.db"))
    worker = message_worker(env)
    try:
        assert wait_for(lambda: len(fake_gateway.sent) >= total // 4, 60), "the worker started sending"
        os.kill(worker.pid, signal.SIGKILL)  # mid-batch, no chance to tidy up
        worker.wait(10)
        assert len(fake_gateway.sent) < total, "killed before the end"
        time.sleep(1.5)  # the dead worker's claims age past the lease
        worker = message_worker(env)
        assert wait_for(lambda: count("sent") == total, 90), f"only {count('sent')} of {total} sent"
    finally:
        worker.terminate()
        worker.wait(15)
    out_ids = [text["OutId"] for text in fake_gateway.sent]
    assert sorted(out_ids, key=int) == sorted({str(m.id) for m in rows()}, key=int), "every message exactly once"
    assert {text["TemplateCode"] for text in fake_gateway.sent} == {"SMS_100"}


# The Alibaba Cloud adapter against the fake endpoint ------------------------------------------------


@pytest.fixture
def alibaba(app, fake_gateway):
    from app.messages.alibaba import AlibabaSender

    app.config.update(
        SMS_ALIBABA_ENDPOINT=fake_gateway.endpoint,
        SMS_ALIBABA_PROTOCOL="http",
        SMS_ALIBABA_ACCESS_KEY_ID="test",
        SMS_ALIBABA_ACCESS_KEY_SECRET="test",
        SMS_ALIBABA_TEMPLATES={"code": "SMS_1", "signup_confirmed": "SMS_2", "opened": "SMS_3"},
    )
    app.extensions["sms"] = AlibabaSender(app)
    return fake_gateway


def test_the_alibaba_adapter_sends_the_registered_template_with_its_parameters(app, alibaba):
    offering = make_offering(seats=5)
    db.session.commit()
    enrolment = enrol(offering)
    db.session.commit()
    [text] = alibaba.sent
    [message] = rows()
    assert text["PhoneNum"] == PHONE and text["SignName"] == "学后" and text["TemplateCode"] == "SMS_2"
    assert text["TemplateParam"] == {
        "name": "烘焙",
        "code": enrolment.code,
        "link": f"http://x/r/{enrolment.ref}",
        "min": "",
    }
    assert text["OutId"] == str(message.id) and message.gateway_ref == text["BizId"]
    assert message.state == "sent"


def test_the_alibaba_adapter_retries_throttling_and_fails_a_bad_number_or_template(app, alibaba):
    alibaba.fail_next = ["isv.BUSINESS_LIMIT_CONTROL"]
    throttled = messages.queue(PHONE, "opened", name="课", code="A1")
    db.session.commit()
    assert db.session.get(Message, throttled.id).state == "queued" and alibaba.sent == []
    alibaba.fail_next = ["isv.MOBILE_NUMBER_ILLEGAL"]
    bad = messages.queue("10000000000", "opened", name="课", code="A2")
    unregistered = messages.queue(PHONE, "reminder", name="课", date="", start="", end="", place="")
    db.session.commit()
    states = {m.id: (m.state, m.reason) for m in rows()}
    assert states[bad.id] == ("failed", "isv.MOBILE_NUMBER_ILLEGAL")
    assert states[unregistered.id] == ("failed", "no_template:reminder"), "a kind with no registered template"
    pin(app, clock.utcnow() + dt.timedelta(minutes=1))
    tasks.sweep()
    assert {m.id: m.state for m in rows()}[throttled.id] == "sent" and len(alibaba.sent) == 1


def test_the_alibaba_adapter_asks_the_gateway_whether_an_interrupted_text_went(app, alibaba):
    from app.sms import Outgoing

    sender = app.extensions["sms"]
    sender.send(Outgoing(id=41, phone=PHONE, template="opened", params={"name": "课", "code": "A"}))
    assert sender.was_sent(Outgoing(id=41, phone=PHONE, template="opened")) is True
    assert sender.was_sent(Outgoing(id=42, phone=PHONE, template="opened")) is False


def test_the_bureau_sees_what_became_of_each_text_with_numbers_masked(client, app, login_as, monkeypatch):
    messages.queue(PHONE, "opened", name="课", code="A1")
    db.session.commit()
    monkeypatch.setattr(app.extensions["sms"], "send", lambda m: (_ for _ in ()).throw(GatewayError("isv.X", True)))
    messages.queue("13900006666", "opened", name="课", code="A2")
    db.session.commit()
    login_as("admin")
    page = client.get("/admin/messages").get_data(as_text=True)
    assert 'data-state="sent"' in page and 'data-state="failed"' in page and "isv.X" in page
    assert "139****5555" in page and PHONE not in page
    failed = client.get("/admin/messages?state=failed").get_data(as_text=True)
    assert 'data-state="sent"' not in failed and 'data-state="failed"' in failed
    assert 'data-action="message.failed"' in client.get("/admin/audit").get_data(as_text=True)
