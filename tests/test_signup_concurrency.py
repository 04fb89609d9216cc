"""Capacity holds under a rush, through a real server, on SQLite and PostgreSQL.

gunicorn (bench/common.py's launcher, the benchmarks' own) serves the app from the test's own
database (3 worker processes × 4 threads, so requests race across processes and within one). Sixty
people, each with their own cookie session, fetch the form, wait at a barrier, and post at the same
moment; five of them post their submission twice at once. Then people cancel at the same moment
and the waitlist moves up.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.extensions import db
from app.models import Enrolment, Offering
from bench.common import environment, gunicorn
from tests import helpers
from tests.factories import make_offering

PEOPLE = 60
TWINS = 5
CAPACITY = 10


@pytest.fixture
def server(app, database):
    env = {
        **environment(database.url),
        "SECRET_KEY": "concurrency-test",
        "PUBLIC_URL": "http://127.0.0.1",  # required outside development
        "RATELIMIT_ENABLED": "false",  # sixty people from one address: the per-address limit is not under test
        "CACHE_TYPE": "NullCache",
        "SMS_SENDER": "app.sms:MemorySender",
    }
    with gunicorn(env, workers=3, threads=4) as base:
        yield base


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person: a cookie jar of their own, redirects not followed (we check the 303 itself)."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def tokens(self, path: str) -> dict[str, str]:
        status, _, html = self.request(path)
        assert status == 200, (path, status)
        return helpers.tokens(html)


def rush(jobs: list) -> list:
    """Run every job at the same moment (a barrier), each in its own thread."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


def counts(offering_id: int) -> dict[str, int]:
    db.session.rollback()
    rows = db.session.execute(
        db.select(Enrolment.status, db.func.count())
        .where(Enrolment.offering_id == offering_id)
        .group_by(Enrolment.status)
    )
    return dict(rows.all())


def seats_taken(offering_id: int) -> int:
    db.session.rollback()
    return db.session.get(Offering, offering_id).seats_taken


def test_a_rush_of_sign_ups_never_overbooks_and_cancellations_promote_in_order(server, app):
    # A far deadline: the server runs on the real clock, not the tests' pinned date.
    offering = make_offering(seats=CAPACITY, deadline=dt.date(2099, 12, 31))
    db.session.commit()
    path = f"/courses/{offering.id}/signup"
    people = []
    for n in range(PEOPLE):
        browser = Browser(server)
        form = {**browser.tokens(path), "name": "张三", "phone": f"139{n:08d}", "town": offering.town.name}
        people.append((browser, {**form, "consent": "y"}))

    def post(browser, form):
        return lambda: browser.request(path, form)

    jobs = [post(b, f) for b, f in people] + [post(b, f) for b, f in people[:TWINS]]
    answers = rush(jobs)

    assert [status for status, _, _ in answers] == [303] * len(jobs), "no errors, every one answered"
    assert answers[:TWINS] == answers[PEOPLE:], "a submission posted twice at once gets the same receipt"
    receipts = {location for _, location, _ in answers}
    assert len(receipts) == PEOPLE
    assert counts(offering.id) == {"confirmed": CAPACITY, "waitlisted": PEOPLE - CAPACITY}
    assert seats_taken(offering.id) == CAPACITY
    assert db.session.scalar(db.select(db.func.count(db.distinct(Enrolment.resident_id)))) == PEOPLE

    for location in list(receipts)[:5]:
        status, _, html = people[0][0].request(location)
        assert status == 200 and re.search(r'data-status="(confirmed|waitlisted)"', html)

    # Now 8 with places and 8 from the back of the waitlist cancel at the same moment.
    enrolments = list(db.session.scalars(db.select(Enrolment).order_by(Enrolment.id)))
    confirmed = [e for e in enrolments if e.status == "confirmed"]
    waiting = [e for e in enrolments if e.status == "waitlisted"]
    leaving = confirmed[:8] + waiting[-8:]
    cancels = []
    for enrolment in leaving:
        browser = Browser(server)
        tokens = browser.tokens(f"/signups/{enrolment.ref}/cancel")
        cancels.append(lambda b=browser, r=enrolment.ref, t=tokens: b.request(f"/signups/{r}/cancel", t))
    answers = rush(cancels)

    assert [status for status, _, _ in answers] == [303] * len(cancels)
    assert counts(offering.id) == {"confirmed": CAPACITY, "waitlisted": PEOPLE - CAPACITY - 16, "cancelled": 16}
    assert seats_taken(offering.id) == CAPACITY
    db.session.rollback()
    now_confirmed = set(db.session.scalars(db.select(Enrolment.id).where(Enrolment.status == "confirmed")))
    expected = {e.id for e in confirmed[8:]} | {e.id for e in waiting[:8]}
    assert now_confirmed == expected, "the first eight waiting moved up, in order"


def test_many_first_looks_after_a_lottery_closes_draw_exactly_once(server, app):
    offering = make_offering(seats=CAPACITY, deadline=dt.date(2099, 12, 31))
    offering.allocation = "lottery"
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    db.session.commit()
    path = f"/courses/{offering.id}/signup"
    entries = []
    for n in range(25):
        browser = Browser(server)
        form = {**browser.tokens(path), "name": "李四", "phone": f"137{n:08d}", "town": offering.town.name}
        entries.append(lambda b=browser, f=form: b.request(path, {**f, "consent": "y"}))
    assert [status for status, _, _ in rush(entries)] == [303] * 25
    assert counts(offering.id) == {"received": 25} and seats_taken(offering.id) == 0

    db.session.rollback()
    db.session.get(Offering, offering.id).lottery_closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.commit()
    page = f"/courses/{offering.id}"
    looks = [lambda: Browser(server).request(page) for _ in range(20)]
    pages = rush(looks)
    assert [status for status, _, _ in pages] == [200] * 20
    db.session.rollback()
    drawn = db.session.get(Offering, offering.id)
    assert all(drawn.draw_seed in html for _, _, html in pages), "every look shows the one draw"
    assert counts(offering.id) == {"confirmed": CAPACITY, "waitlisted": 25 - CAPACITY}
    assert drawn.seats_taken == CAPACITY and drawn.draw_entries == 25
    ranks = sorted(db.session.scalars(db.select(Enrolment.draw_rank).where(Enrolment.offering_id == offering.id)))
    assert ranks == list(range(1, 26))


def test_a_rush_of_need_reports_and_call_back_requests_all_succeed(server, app):
    """Forms that read before they write (a need report, a call-back request) queue for the write
    lock instead of failing when many people send at the same moment."""
    from app.models import CallbackRequest, Need

    offering = make_offering(deadline=dt.date(2099, 12, 31), senior=True)
    db.session.commit()
    jobs = []
    for n in range(20):
        browser = Browser(server)
        need = {
            **browser.tokens("/needs/new"),
            "name": "王芳",
            "phone": f"137{n:08d}",
            "town": offering.town.name,
            "age_band": "30-39",
            "education": "初中",
            "work": "在职",
            "kind": "skill",
            "target": "电工",
            "consent": "y",
        }
        jobs.append(lambda browser=browser, need=need: browser.request("/needs/new", need))
        other = Browser(server)
        path = f"/elder/courses/{offering.id}/callback"
        callback = {**other.tokens(path), "name": "李阿姨", "phone": f"136{n:08d}"}
        jobs.append(lambda other=other, path=path, callback=callback: other.request(path, callback))
    statuses = [status for status, _, _ in rush(jobs)]
    assert statuses == [303] * len(jobs), statuses
    db.session.rollback()
    assert db.session.query(Need).count() == 20 and db.session.query(CallbackRequest).count() == 20
