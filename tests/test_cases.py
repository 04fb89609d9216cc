"""A worker's caseload (/worker/cases): only their town, updated idempotently, handed on by the bureau
only within the town."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CallbackRequest, CaseEvent, Enrolment, Need, Resident
from tests.factories import TODAY, make_offering, make_town
from tests.helpers import hidden, invalid_fields, log_in, make_user, tokens


def _resident(town, phone, name):
    person = Resident(phone=phone, name=name, town=town, consent_method="online")
    db.session.add(person)
    db.session.flush()
    return person


def _need(resident, target):
    need = Need(ref=uuid.uuid4().hex, submission_id=uuid.uuid4().hex, resident=resident, kind="skill", target=target)
    db.session.add(need)
    db.session.flush()
    return need


@pytest.fixture
def world(app):
    east, west = make_town("东镇"), make_town("西镇")
    mine = _need(_resident(east, "13800000001", "东一"), "电工")
    theirs = _need(_resident(west, "13800000002", "西二"), "育婴员")
    db.session.add(CallbackRequest(submission_id="c" * 32, town=east, name="东三", phone="13800000003"))
    db.session.add(CallbackRequest(submission_id="d" * 32, town=west, name="西四", phone="13800000004"))
    east_worker = make_user("worker", east, username="east")
    west_worker = make_user("worker", west, username="west")
    db.session.commit()
    return {
        "east": east,
        "west": west,
        "mine": mine,
        "theirs": theirs,
        "east_worker": east_worker,
        "west_worker": west_worker,
    }


def test_caseload_shows_only_the_workers_town(client, world):
    log_in(client, "east", path="/worker/login")
    home = client.get("/worker/").get_data(as_text=True)
    assert "/worker/cases/" in home
    page = client.get("/worker/cases/").get_data(as_text=True)
    assert "东一" in page and "东三" in page and "电工" in page
    assert "西二" not in page and "西四" not in page


def test_another_towns_case_cannot_be_opened_or_updated(client, world):
    log_in(client, "west", path="/worker/login")
    url = f"/worker/cases/need/{world['mine'].id}"
    assert client.get(url).status_code == 404
    own = client.get(f"/worker/cases/need/{world['theirs'].id}").get_data(as_text=True)
    response = client.post(url, data={**tokens(own), "state": "done", "note": "x"})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(CaseEvent.id))) == 0


def test_update_is_idempotent_keeps_input_on_error_and_records_who(client, world):
    log_in(client, "east", path="/worker/login")
    url = f"/worker/cases/need/{world['mine'].id}"
    page = client.get(url).get_data(as_text=True)
    bad = client.post(url, data={**tokens(page), "state": "contacted", "note": "想周末上课", "next_contact": "明天"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "next_contact" in invalid_fields(html) and "想周末上课" in html
    data = {**tokens(page), "state": "waiting", "note": "等她问家里人", "next_contact": "2026-12-04"}
    assert client.post(url, data=data).status_code == 303
    assert client.post(url, data=data).status_code == 303  # the same submission again
    assert db.session.scalar(select(func.count(CaseEvent.id))) == 1
    shown = client.get(url).get_data(as_text=True)
    assert "等她问家里人" in shown and "测试员" in shown  # the history: who acted
    listed = client.get("/worker/cases/").get_data(as_text=True)
    assert 'data-state="waiting"' in listed


def test_done_callback_leaves_the_caseload_and_the_call_list(client, world):
    log_in(client, "east", path="/worker/login")
    callback = db.session.scalar(select(CallbackRequest).where(CallbackRequest.name == "东三"))
    url = f"/worker/cases/callback/{callback.id}"
    client.post(url, data={**tokens(client.get(url).get_data(as_text=True)), "state": "done", "note": "已回电"})
    assert "东三" not in client.get("/worker/cases/").get_data(as_text=True)
    assert "东三" not in client.get("/worker/").get_data(as_text=True)


def test_offered_places_and_classes_starting_this_week(app, client, world):
    east, worker = world["east"], world["east_worker"]
    resident = _resident(east, "13800000005", "东五")
    soon = make_offering(name="太极", town=east, start_date=TODAY + dt.timedelta(days=3))
    later = make_offering(name="书法", town=east, start_date=TODAY + dt.timedelta(days=20))
    for offering, by in ((soon, worker), (later, worker)):
        db.session.add(
            Enrolment(
                ref=uuid.uuid4().hex,
                code=uuid.uuid4().hex[:10],
                submission_id=uuid.uuid4().hex,
                resident=resident,
                offering=offering,
                status="confirmed",
                source="assisted",
                entered_by_id=by.id,
                consent_method="口头同意",
            )
        )
    offered = _resident(east, "13800000006", "东六")
    db.session.add(
        Enrolment(
            ref=uuid.uuid4().hex,
            code=uuid.uuid4().hex[:10],
            submission_id=uuid.uuid4().hex,
            resident=offered,
            offering=later,
            status="confirmed",
            consent_method="online",
            promoted_at=dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
        )
    )
    db.session.commit()
    log_in(client, "east", path="/worker/login")
    page = client.get("/worker/cases/").get_data(as_text=True)
    assert "太极" in page and "书法" not in page.split("东六")[0].split("本周开课")[-1]
    assert "东六" in page


def _to(page: str) -> dict[str, str]:
    """The reassignment form's tokens (its fields are prefixed "to-")."""
    return {name: hidden(page, name) for name in ("to-csrf_token", "to-submission_id")}


def test_reassignment_only_within_the_town(client, world):
    east = world["east"]
    colleague = make_user("worker", east, username="east2")
    admin = make_user("admin", username="boss")
    db.session.commit()
    log_in(client, "boss")
    url = f"/worker/cases/need/{world['mine'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "东一" in page and "13800000001" not in page  # the bureau sees the number masked
    outside = client.post(url + "/reassign", data={**_to(page), "to-worker": str(world["west_worker"].id)})
    assert outside.status_code == 422 and "请从给出的选项中选择" in outside.get_data(as_text=True)
    assert client.post(url + "/reassign", data={**_to(page), "to-worker": str(colleague.id)}).status_code == 303
    assert admin.id
    # The case is now the colleague's: it has left the first worker's list and is on the colleague's.
    other = client.application.test_client()
    log_in(other, "east", path="/worker/login")
    assert "东一" not in other.get("/worker/cases/").get_data(as_text=True)
    third = client.application.test_client()
    log_in(third, "east2", path="/worker/login")
    assert "东一" in third.get("/worker/cases/").get_data(as_text=True)


def test_reassign_service_refuses_a_worker_of_another_town(app, world):
    from app.services import caseload

    admin = make_user("admin", username="boss2")
    item = caseload.find("need", world["mine"].id, TODAY)
    with pytest.raises(caseload.CaseError):
        caseload.reassign(item, admin, world["west_worker"].id, uuid.uuid4().hex)
    with pytest.raises(caseload.CaseError):
        caseload.reassign(item, world["east_worker"], world["east_worker"].id, uuid.uuid4().hex)


def test_workers_cannot_reassign(client, world):
    log_in(client, "east", path="/worker/login")
    assert client.get(f"/worker/cases/need/{world['mine'].id}/reassign").status_code == 403
