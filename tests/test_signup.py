"""Signing up for a class through real requests: the form, the receipt, cancelling, lotteries, group classes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Enrolment, Offering, Resident
from app.services import enrolment as enrolment_service
from app.services.residents import Person, register
from tests.factories import TODAY, make_offering
from tests.helpers import form_tokens, hidden, tokens


def sign_up(client, offering: Offering, tokens: dict | None = None, **fields):
    path = f"/courses/{offering.id}/signup"
    data = {**(tokens or form_tokens(client, path)), "consent": "y"}
    data.update({"name": "王芳", "phone": "13812345678", "town": offering.town.name})
    data.update({k: v for k, v in fields.items() if v is not None})
    for key in [k for k, v in fields.items() if v is None]:
        data.pop(key, None)
    return client.post(path, data=data)


def receipt_of(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def status_of(html: str) -> str:
    return re.search(r'data-status="(\w+)"', html).group(1)


def fresh(offering: Offering) -> Offering:
    db.session.rollback()
    return db.session.get(Offering, offering.id)


def later_texts(app) -> list[tuple[str, str]]:
    """Texts sent after the sign-up receipts (moves up, draws, openings)."""
    return [(phone, text) for phone, text in app.extensions["sms"].outbox if "回执：" not in text]


def enrolments() -> list[Enrolment]:
    db.session.rollback()  # end the test's own read snapshot; see what the requests committed
    return list(db.session.scalars(db.select(Enrolment).order_by(Enrolment.id)))


def test_class_page_leads_to_the_form(client, app):
    offering = make_offering()
    db.session.commit()
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert f'href="/courses/{offering.id}/signup"' in html and "我要报名" in html
    assert 'href="tel:0573-85000000"' in html, "the phone stays as a second way"
    form = client.get(f"/courses/{offering.id}/signup").get_data(as_text=True)
    for name in ("csrf_token", "submission_id", "name", "phone", "town", "consent", "family"):
        assert f'name="{name}"' in form
    assert "novalidate" in form


def test_sign_up_confirms_and_the_receipt_says_what_next(client, app):
    offering = make_offering(seats=3)
    db.session.commit()
    response = sign_up(client, offering)
    assert re.fullmatch(r"/signups/[\w-]{32}", response.headers["Location"])
    html = receipt_of(client, response)
    (enrolment,) = enrolments()
    assert status_of(html) == "confirmed" and enrolment.status == "confirmed"
    assert enrolment.code in html and re.fullmatch(r"XH-[2-9A-Z]{6}", enrolment.code)
    assert "<svg" in html and "138****5678" in html and "13812345678" not in html
    assert f"/courses/{offering.id}.ics" in html and f"/signups/{enrolment.ref}/cancel" in html
    assert "要带什么" in html and "第一次课" in html and "2026年12月9日" in html and "社区活动室" in html
    assert "style=" not in html, "the CSP forbids inline styles"
    assert fresh(offering).seats_taken == 1
    assert (enrolment.source, enrolment.consent_method, enrolment.entered_by_id) == ("self", "online", None)
    ((phone, text),) = app.extensions["sms"].outbox
    assert phone == "13812345678" and enrolment.code in text and f"/signups/{enrolment.ref}" in text
    assert enrolment.resident.name == "王芳" and enrolment.resident.town_id == offering.town_id


def test_full_class_puts_people_on_the_waitlist_in_order(client, app):
    offering = make_offering(seats=1)
    db.session.commit()
    assert status_of(receipt_of(client, sign_up(client, offering, phone="13800000001"))) == "confirmed"
    second = receipt_of(client, sign_up(client, offering, phone="13800000002"))
    third = receipt_of(client, sign_up(client, offering, phone="13800000003"))
    assert status_of(second) == status_of(third) == "waitlisted"
    assert "候补名单第 1 位" in second and "候补名单第 2 位" in third
    assert fresh(offering).seats_taken == 1


def test_invalid_answers_422_with_summary_and_keeps_values(client, app):
    offering = make_offering()
    db.session.commit()
    response = sign_up(client, offering, name="张三123", phone="1381234", consent=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>错误：" in html and 'role="alert"' in html
    assert html.count('aria-invalid="true"') == 3
    assert 'value="张三123"' in html and 'value="1381234"' in html
    assert "请输入11位手机号码，例如 13812345678" in html and "请勾选同意，才能报名" in html
    assert enrolments() == []


def test_every_phone_is_asked_its_town_so_the_form_tells_nobody_who_is_registered(client, app):
    """Issue 12: a known number used to be let through without a town, which told anyone whether a
    number was registered. Now the town is asked of every number alike."""
    offering = make_offering()
    db.session.commit()
    response = sign_up(client, offering, town="")
    assert response.status_code == 422 and "请选择住在哪个镇（街道）" in response.get_data(as_text=True)
    register(Person(name="王芳", phone="13812345678", town_id=offering.town_id), "survey", "口头同意")
    db.session.commit()
    known = sign_up(client, offering, town="", phone="138 1234 5678")
    assert known.status_code == 422 and "请选择住在哪个镇（街道）" in known.get_data(as_text=True)
    assert status_of(receipt_of(client, sign_up(client, offering, phone="138 1234 5678"))) == "confirmed"
    assert db.session.scalar(db.select(db.func.count(Resident.id))) == 1, "recognised by phone"


def test_unknown_town_is_an_error_not_a_crash(client, app):
    offering = make_offering()
    db.session.commit()
    response = sign_up(client, offering, town="火星")
    assert response.status_code == 422 and "请从列表中选择您住的镇或街道" in response.get_data(as_text=True)


def test_the_same_submission_twice_is_one_enrolment(client, app):
    offering = make_offering()
    db.session.commit()
    tokens = form_tokens(client, f"/courses/{offering.id}/signup")
    first = sign_up(client, offering, tokens)
    again = sign_up(client, offering, tokens)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(enrolments()) == 1 and fresh(offering).seats_taken == 1
    assert len(app.extensions["sms"].outbox) == 1, "a replay sends no second text"


def test_signing_up_twice_says_so_plainly(client, app):
    offering = make_offering()
    db.session.commit()
    sign_up(client, offering)
    response = sign_up(client, offering, phone="138-1234-5678")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "这个手机号已经报过这门课了" in html and "<title>错误：" in html
    assert len(enrolments()) == 1 and fresh(offering).seats_taken == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"status": "closed"}, "已经停止报名"), ({"deadline": TODAY - dt.timedelta(days=1)}, "报名已经截止")],
)
def test_closed_or_past_deadline_classes_say_so(client, app, fields, message):
    offering = make_offering(**fields)
    db.session.commit()
    page = client.get(f"/courses/{offering.id}/signup").get_data(as_text=True)
    assert message in page and 'name="phone"' not in page
    detail = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "我要报名" not in detail
    other = make_offering()  # a closed class shows no form: take the tokens from an open one
    db.session.commit()
    response = sign_up(client, offering, form_tokens(client, f"/courses/{other.id}/signup"))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert enrolments() == []


def test_csrf_is_enforced_on_sign_up(client, app):
    offering = make_offering()
    db.session.commit()
    tokens = form_tokens(client, f"/courses/{offering.id}/signup")
    response = sign_up(client, offering, {**tokens, "csrf_token": "forged"})
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    assert enrolments() == []


def test_family_member_signs_a_senior_up(client, app):
    offering = make_offering()
    db.session.commit()
    response = sign_up(client, offering, family="y", name="李秀英", phone="13900000000")
    assert status_of(receipt_of(client, response)) == "confirmed"
    (enrolment,) = enrolments()
    assert (enrolment.source, enrolment.consent_method, enrolment.resident.phone) == (
        "family",
        "家属代办",
        "13900000000",
    )
    html = sign_up(client, offering, family="y", consent=None, phone="13900000001").get_data(as_text=True)
    assert "请先征得家人同意" in html


def test_htmx_gets_the_form_fragment_and_an_hx_redirect(htmx, client, app):
    offering = make_offering()
    db.session.commit()
    bad = sign_up(htmx, offering, phone="")
    assert bad.status_code == 422 and "<html" not in bad.get_data(as_text=True)
    assert "error-summary" in bad.get_data(as_text=True) and "<form" in bad.get_data(as_text=True)
    good = sign_up(htmx, offering)
    assert good.status_code == 204 and good.headers["HX-Redirect"].startswith("/signups/")


def test_cancel_gives_the_place_to_the_first_waiting_and_tells_them(client, app):
    offering = make_offering(seats=1)
    db.session.commit()
    first = sign_up(client, offering, phone="13800000001").headers["Location"]
    second = sign_up(client, offering, phone="13800000002").headers["Location"]
    sign_up(client, offering, phone="13800000003")
    confirm = client.get(first + "/cancel").get_data(as_text=True)
    assert "确定取消报名吗？" in confirm
    cancel = tokens(confirm)
    response = client.post(first + "/cancel", data=cancel)
    assert response.status_code == 303 and response.headers["Location"] == first
    assert status_of(client.get(first).get_data(as_text=True)) == "cancelled"
    assert status_of(client.get(second).get_data(as_text=True)) == "confirmed"
    assert [e.status for e in enrolments()] == ["cancelled", "confirmed", "waitlisted"]
    assert fresh(offering).seats_taken == 1
    outbox = later_texts(app)
    assert len(outbox) == 1 and outbox[0][0] == "13800000002" and "有名额了" in outbox[0][1]
    client.post(first + "/cancel", data=cancel)  # again: nothing changes
    assert [e.status for e in enrolments()] == ["cancelled", "confirmed", "waitlisted"]
    assert len(later_texts(app)) == 1
    assert "重新报名" in client.get(first).get_data(as_text=True)


def test_cancel_needs_csrf(client, app):
    offering = make_offering()
    db.session.commit()
    receipt = sign_up(client, offering).headers["Location"]
    assert client.post(receipt + "/cancel", data={"submission_id": "0" * 32}).status_code == 400
    assert enrolments()[0].status == "confirmed"


def test_unknown_receipts_are_404(client, app):
    for ref in ["nope", "x" * 33, "%00"]:
        assert client.get(f"/signups/{ref}").status_code == 404


def test_a_person_can_sign_up_again_after_cancelling(client, app):
    offering = make_offering()
    db.session.commit()
    first = sign_up(client, offering).headers["Location"]
    page = client.get(first + "/cancel").get_data(as_text=True)
    client.post(first + "/cancel", data={"csrf_token": hidden(page, "csrf_token"), "submission_id": "a" * 32})
    assert status_of(receipt_of(client, sign_up(client, offering))) == "confirmed"
    assert [e.status for e in enrolments()] == ["cancelled", "confirmed"]


def test_one_live_enrolment_per_person_is_a_database_rule(app):
    offering = make_offering()
    resident = register(Person(name="王芳", phone="13812345678"), "self", "online")
    db.session.commit()
    row = {"resident_id": resident.id, "offering_id": offering.id, "source": "self", "consent_method": "online"}
    db.session.add(Enrolment(ref="a", code="XH-AAAAAA", submission_id="1", status="confirmed", **row))
    db.session.add(Enrolment(ref="b", code="XH-BBBBBB", submission_id="2", status="cancelled", **row))
    db.session.commit()
    db.session.add(Enrolment(ref="c", code="XH-CCCCCC", submission_id="3", status="waitlisted", **row))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# Lottery (摇号) ---------------------------------------------------------------------------------


def lottery_class(seats: int) -> Offering:
    offering = make_offering(seats=seats)
    offering.allocation = "lottery"
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    db.session.commit()
    return offering


def close_window(offering: Offering) -> None:
    offering = fresh(offering)
    offering.lottery_closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.commit()


def test_lottery_entries_are_received_then_drawn_from_the_recorded_seed(client, app):
    offering = lottery_class(seats=2)
    receipts = [sign_up(client, offering, phone=f"1380000000{i}").headers["Location"] for i in range(5)]
    assert {status_of(client.get(r).get_data(as_text=True)) for r in receipts} == {"received"}
    assert fresh(offering).seats_taken == 0
    before = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "摇号分配" in before and "已有 5 人报名参加摇号" in before
    close_window(offering)
    page = client.get(f"/courses/{offering.id}").get_data(as_text=True)  # the first look after closing draws
    db.session.rollback()  # end the test's own read snapshot; see what the requests committed
    offering = db.session.get(Offering, offering.id)
    assert offering.draw_seed in page and offering.draw_entries == 5 and offering.seats_taken == 2
    rows = enrolments()
    expected = enrolment_service.draw_order([e.id for e in rows], offering.draw_seed)
    by_rank = [e.id for e in sorted(rows, key=lambda e: e.draw_rank)]
    assert by_rank == expected, "anyone can repeat the draw from the seed"
    assert [e.status for e in sorted(rows, key=lambda e: e.draw_rank)] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert len(later_texts(app)) == 5
    drawn_at = offering.drawn_at
    statuses = [status_of(client.get(r).get_data(as_text=True)) for r in receipts]
    assert sorted(statuses) == ["confirmed", "confirmed", "waitlisted", "waitlisted", "waitlisted"]
    record = client.get(f"/courses/{offering.id}/draw.txt").get_data(as_text=True)
    assert f"seed: {offering.draw_seed}" in record and "entries: 5" in record and "13800000000" not in record
    db.session.rollback()  # end the test's own read snapshot; see what the requests committed
    assert db.session.get(Offering, offering.id).drawn_at == drawn_at, "drawn once"
    assert len(later_texts(app)) == 5
    late = receipt_of(client, sign_up(client, offering, phone="13800000009"))
    assert status_of(late) == "waitlisted" and "候补名单第 4 位" in late, "after the draw: first come, behind the drawn"


def test_run_draws_command_is_idempotent(runner, app):
    offering = lottery_class(seats=1)
    client = app.test_client()
    for i in range(3):
        sign_up(client, offering, phone=f"1390000000{i}")
    assert "0 classes drawn" in runner.invoke(args=["run-draws"]).output
    close_window(offering)
    assert "1 classes drawn" in runner.invoke(args=["run-draws"]).output
    assert "0 classes drawn" in runner.invoke(args=["run-draws"]).output
    assert sorted(e.status for e in enrolments()) == ["confirmed", "waitlisted", "waitlisted"]


def test_first_come_stays_the_default(app):
    offering = make_offering()
    db.session.commit()
    assert offering.allocation == "first_come" and not enrolment_service.draw_due(offering)


# Group classes (组班) ----------------------------------------------------------------------------


def test_group_class_opens_at_its_threshold_and_tells_the_institution_once(client, app):
    offering = make_offering(seats=10)
    offering.min_to_open = 3
    db.session.commit()
    first = receipt_of(client, sign_up(client, offering, phone="13700000001"))
    assert status_of(first) == "intent" and "满 3 人开班" in first
    sign_up(client, offering, phone="13700000002")
    page = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "已有 2 人报名，满 3 人开班" in page
    assert later_texts(app) == []
    sign_up(client, offering, phone="13700000003")
    assert [e.status for e in enrolments()] == ["confirmed"] * 3
    outbox = later_texts(app)
    to_institution = [text for phone, text in outbox if phone == "0573-85000000"]
    assert len(to_institution) == 1 and "达到开班人数 3 人" in to_institution[0]
    assert len(outbox) == 4, "and each of the three is told"
    sign_up(client, offering, phone="13700000004")
    assert enrolments()[-1].status == "confirmed"
    assert len([p for p, _t in app.extensions["sms"].outbox if p == "0573-85000000"]) == 1
    db.session.rollback()  # end the test's own read snapshot; see what the requests committed
    assert db.session.get(Offering, offering.id).institution_notified_at is not None
    assert "已有 4 人报名，已达到 3 人，正式开班" in client.get(f"/courses/{offering.id}").get_data(as_text=True)


# Fuzzing ----------------------------------------------------------------------------------------

field_values = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["13812345678", "１３８１２３４５６７８", "+86 138-1234-5678", "王芳", "", "y", "0", "当湖街道"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fields=st.dictionaries(
        st.sampled_from(["name", "phone", "town", "family", "consent", "submission_id", "x"]), field_values, max_size=7
    )
)
def test_fuzzing_the_form_never_fails_or_saves_bad_rows(client, fuzz_class, fields):
    tokens = form_tokens(client, f"/courses/{fuzz_class}/signup")
    response = client.post(f"/courses/{fuzz_class}/signup", data={**tokens, **fields})
    assert response.status_code in (303, 422), (fields, response.status_code)
    for enrolment in enrolments():
        assert re.fullmatch(r"1\d{10}", enrolment.resident.phone) and enrolment.resident.name.strip()
        assert re.fullmatch(r"[0-9a-f]{32}", enrolment.submission_id)


@pytest.fixture
def fuzz_class(app):
    offering = make_offering(seats=2)
    db.session.commit()
    return offering.id


def test_a_sign_up_that_arrives_first_after_the_window_closes_draws_then_takes_a_free_place(client, app):
    offering = lottery_class(seats=3)
    for i in range(2):
        sign_up(client, offering, phone=f"1360000000{i}")
    close_window(offering)
    late = receipt_of(client, sign_up(client, offering, phone="13600000009"))
    assert status_of(late) == "confirmed", "after the draw, a free place goes to the first to come"
    rows = enrolments()
    assert sorted(e.draw_rank or 0 for e in rows) == [0, 1, 2] and [e.status for e in rows] == ["confirmed"] * 3
    assert fresh(offering).seats_taken == 3 and fresh(offering).draw_entries == 2


def test_links_in_text_messages_never_come_from_the_host_header(client, app):
    app.config["PUBLIC_URL"] = "https://xuehou.example.gov.cn"
    offering = make_offering(seats=5)
    db.session.commit()
    page = client.get(f"/courses/{offering.id}/signup").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False  # the cookie jar won't send the session to a forged host
    client.post(
        f"/courses/{offering.id}/signup",
        headers={"Host": "evil.example"},
        data={**tokens(page), "name": "王芳", "phone": "13812345678", "town": offering.town.name, "consent": "y"},
    )
    text = app.extensions["sms"].outbox[-1][1]
    assert "https://xuehou.example.gov.cn/signups/" in text and "evil.example" not in text
