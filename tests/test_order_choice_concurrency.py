"""Residents asking for pieces of one 共富工坊 order at the same moment, through a real server, on
SQLite and PostgreSQL: the order is never over-committed.

As tests/test_signup_concurrency.py: gunicorn (bench/common.py's launcher) serves the app from the
test's own database, 3 worker processes × 4 threads; everyone fetches their form, waits at a
barrier and posts at once. Eight residents each ask for 30 of an order of 100 pieces, two of them
send their submission twice at once, and the workshop leader gives 30 to a ninth resident at the
same moment: only three of the nine can have their 30.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import uuid

import pytest
from flask import Flask

from app.extensions import db
from app.models import OrderStatus, WorkOrder, WorkPortion, WorkRequest
from app.services import learning
from bench.common import environment, gunicorn
from tests.factories import make_institution, make_town
from tests.helpers import PASSWORD, make_user
from tests.test_earn import resident
from tests.test_signup_concurrency import Browser, rush

SECRET = "concurrency-test"
RESIDENTS = 8
TWINS = 2
EACH = 30
PIECES = 100


@pytest.fixture
def server(app, database):
    env = {
        **environment(database.url),
        "SECRET_KEY": SECRET,
        "PUBLIC_URL": "http://127.0.0.1",
        # rate limits stay on: the asking form has none, and the leader's log-in needs the limiter
        "CACHE_TYPE": "NullCache",
        "SMS_SENDER": "app.sms:MemorySender",
    }
    with gunicorn(env, workers=3, threads=4) as base:
        yield base


def signed_in(app, base: str, phone: str) -> Browser:
    """A browser already signed in at /me (the session /me makes after the one-time code, signed
    with the server's key: the code itself is tested in tests/test_me.py)."""
    signer = Flask("signer")
    signer.secret_key = SECRET
    value = signer.session_interface.get_signing_serializer(signer).dumps(
        {"me_phone": phone, "me_since": dt.datetime.now(dt.UTC).isoformat()}
    )
    browser = Browser(base)
    jar = next(h.cookiejar for h in browser.opener.handlers if hasattr(h, "cookiejar"))
    cookie = http.cookiejar.Cookie(
        version=0,
        name=app.config["SESSION_COOKIE_NAME"],
        value=value,
        port=None,
        port_specified=False,
        domain="127.0.0.1",
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=True,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": None},
    )
    jar.set_cookie(cookie)
    return browser


def test_residents_and_the_leader_at_once_never_give_out_more_than_the_order_has(server, app):
    town = make_town("当湖街道")
    factory = make_institution(town=town, name="平湖新埭拉链服饰有限公司", type="enterprise")
    leader = make_user("worker", town=town, username=f"leader-{uuid.uuid4().hex[:6]}")
    people = []
    for n in range(RESIDENTS + 1):
        person = resident(f"1370000{n:04d}", town, name=f"居民{n}")
        claim = learning.declare(person.id, uuid.uuid4().hex, "certificate", "缝纫工五级", dt.date(2024, 1, 1), None)
        claim.status = "accepted"
        people.append(person)
    order = WorkOrder(submission_id=uuid.uuid4().hex, institution_id=factory.id, what="拉链头装配", quantity=PIECES,
                      piece_rate=15, deadline=dt.date(2099, 12, 31), occupation="缝纫工", cert_level="初级",
                      town_id=town.id, workshop="示范村共富工坊", status=OrderStatus.TAKEN)  # fmt: skip
    db.session.add(order)
    db.session.commit()
    path = f"/me/orders/{order.id}"

    jobs = []
    for person in people[:RESIDENTS]:
        browser = signed_in(app, server, person.phone)
        form = {**browser.tokens(path), "quantity": str(EACH)}
        jobs.append(lambda b=browser, f=form: b.request(path, f))
    jobs += jobs[:TWINS]
    staff = Browser(server)
    login = {**staff.tokens("/worker/login"), "username": leader.username, "password": PASSWORD}
    assert staff.request("/worker/login", login)[0] == 303
    give = f"/worker/workshop/orders/{order.id}"
    gives = {**staff.tokens(give), "phone": people[RESIDENTS].phone, "quantity": str(EACH)}
    jobs.append(lambda: staff.request(give, gives))

    answers = rush(jobs)

    statuses = [status for status, _, _ in answers]
    assert set(statuses) <= {303, 422}, statuses
    assert statuses[:TWINS] == statuses[RESIDENTS : RESIDENTS + TWINS], "a submission sent twice: one answer"
    for (status, location, _), (_, twin_location, _) in zip(answers[:TWINS], answers[RESIDENTS:], strict=False):
        assert status != 303 or location == twin_location
    refused = [html for status, _, html in answers if status == 422]
    assert all("剩下可分的只有" in html or "这张单已经分完了" in html for html in refused)

    db.session.rollback()
    asked = db.session.scalars(db.select(WorkRequest)).all()
    given = db.session.scalars(db.select(WorkPortion)).all()
    assert sum(r.quantity for r in asked) + sum(p.quantity for p in given) <= PIECES
    assert len(asked) + len(given) == PIECES // EACH, "every 30 that fitted was taken, and no more"
    assert len({r.resident_id for r in asked}) == len(asked)
    first_answers = statuses[:RESIDENTS] + statuses[-1:]
    assert first_answers.count(303) == PIECES // EACH
