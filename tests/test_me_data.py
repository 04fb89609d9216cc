"""A resident's own data at /me/data (PIPL arts. 44–47, 24): see and download it (theirs only),
correct it, withdraw consent (texts that are not about their own sign-ups stop; the plan shows
without personalisation), ask for deletion, which a worker of their town confirms."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from app import messages
from app.extensions import db
from app.models import AuditEntry, Enrolment, Message, MessageKind, Need, Outcome, Resident
from app.services import privacy
from tests.factories import make_offering, make_town
from tests.helpers import invalid_fields, log_in, make_user, tokens

MINE, THEIRS = "13812345678", "13987654321"


def _person(town, phone, name, target):
    person = Resident(phone=phone, name=name, town=town, consent_method="online")
    db.session.add(person)
    db.session.flush()
    need = Need(ref=uuid.uuid4().hex, submission_id=uuid.uuid4().hex, resident=person, kind="community", target=target)
    db.session.add(need)
    messages.queue(
        phone,
        "reminder",
        MessageKind.NOTICE,
        resident_id=person.id,
        name=target,
        date="12月3日",
        start="09:00",
        end="10:00",
        place=f"{name}的教室",
    )
    return person, need


@pytest.fixture
def people(app):
    town, other = make_town("东镇"), make_town("西镇")
    me, my_need = _person(town, MINE, "王芳", "烘焙")
    them, their_need = _person(other, THEIRS, "李强", "书法")
    db.session.commit()
    return {"town": town, "other": other, "me": me, "my_need": my_need, "them": them, "their_need": their_need}


def sign_in(app, client, phone=MINE):
    start = client.get("/me").get_data(as_text=True)
    page = client.post("/me", data={**tokens(start), "step": "send", "phone": phone}).get_data(as_text=True)
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    assert client.post("/me", data={**tokens(page), "step": "verify", "code": code}).status_code == 303


def test_the_download_has_my_records_and_no_one_elses(app, client, people):
    assert client.get("/me/data.json").status_code == 303  # not signed in: to /me first
    sign_in(app, client)
    assert "/me/data" in client.get("/me").get_data(as_text=True)
    page = client.get("/me/data").get_data(as_text=True)
    assert "烘焙" in page and "王芳的教室" in page and "李强" not in page
    response = client.get("/me/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["details"]["name"] == "王芳" and data["details"]["phone"] == MINE
    assert [n["target"] for n in data["needs"]] == ["烘焙"]
    assert any("王芳的教室" in m["text"] for m in data["messages"])
    text = response.get_data(as_text=True)
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    assert code not in text and code not in page, "a one-time code is never shown again"
    for theirs in ("李强", THEIRS, "书法", "李强的教室"):
        assert theirs not in text


def test_a_resident_corrects_their_details(app, client, people):
    sign_in(app, client)
    page = client.get("/me/data").get_data(as_text=True)
    town = str(people["other"].id)
    bad = client.post("/me/data/details", data={**tokens(page), "name": "王芳123", "town": town, "industry": "纺织"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "name" in invalid_fields(html) and 'value="纺织"' in html
    good = client.post("/me/data/details", data={**tokens(page), "name": "王芬", "town": town, "industry": "纺织"})
    assert good.status_code == 303
    me = db.session.get(Resident, people["me"].id)
    assert (me.name, me.town_id, me.industry) == ("王芬", people["other"].id, "纺织")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resident.self_correct"))
    assert entry.details["before"]["name"] == "王芳" and entry.details["after"]["name"] == "王芬"


def test_withdrawing_consent_is_recorded_and_stops_offers_but_not_notices(app, client, people):
    sign_in(app, client)
    plan = client.get(f"/needs/{people['my_need'].ref}").get_data(as_text=True)
    assert "data-plain-plan" not in plan
    assert "data-plain-plan" in client.get(f"/needs/{people['my_need'].ref}?plain=1").get_data(as_text=True)
    page = client.get("/me/data").get_data(as_text=True)
    assert client.post("/me/data/consent", data={**tokens(page)}).status_code == 303  # both boxes left empty
    me = db.session.get(Resident, people["me"].id)
    assert me.contact_withdrawn_at is not None and me.profiling_withdrawn_at is not None
    assert not privacy.may_contact(me) and privacy.may_contact(db.session.get(Resident, people["them"].id))
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "resident.consent")) == 1
    before = db.session.scalar(select(func.count(Message.id)))
    assert messages.queue(MINE, "opened", MessageKind.OFFER, resident_id=me.id, name="烘焙", code="XH-1") is None
    assert messages.queue(THEIRS, "opened", MessageKind.OFFER, resident_id=people["them"].id, name="书法", code="XH-2")
    assert messages.queue(MINE, "opened", MessageKind.NOTICE, resident_id=me.id, name="烘焙", code="XH-3")  # own place
    db.session.commit()
    assert db.session.scalar(select(func.count(Message.id))) == before + 2
    plan = client.get(f"/needs/{people['my_need'].ref}").get_data(as_text=True)
    assert "data-plain-plan" in plan and "撤回了个性化推荐的同意" in plan
    page = client.get("/me/data").get_data(as_text=True)
    client.post("/me/data/consent", data={**tokens(page), "contact": "y", "profiling": "y"})
    assert privacy.may_contact(db.session.get(Resident, people["me"].id))


def _paid_outcome(resident, town):
    offering = make_offering(name="电工", kind="skill", town=town)
    enrolment = Enrolment(
        ref=uuid.uuid4().hex,
        code=uuid.uuid4().hex[:10],
        submission_id=uuid.uuid4().hex,
        resident=resident,
        offering=offering,
        status="completed",
        consent_method="online",
    )
    db.session.add(enrolment)
    db.session.flush()
    outcome = Outcome(
        submission_id=uuid.uuid4().hex,
        enrolment=enrolment,
        resident=resident,
        programme=offering.programme,
        institution_id=offering.institution_id,
        kind="certificate",
        completed_on=dt.date(2026, 11, 1),
        incentive_amount=800,
        paid_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
    )
    db.session.add(outcome)
    db.session.flush()
    return outcome


def test_deletion_request_then_confirmation_erases_all_but_paid_incentives(app, client, people):
    me = people["me"]
    me.id_card_masked = "330482********1234"
    outcome_id = _paid_outcome(me, people["town"]).id
    make_user("worker", people["town"], username="east")
    make_user("worker", people["other"], username="west")
    db.session.commit()
    sign_in(app, client)
    page = client.get("/me/data").get_data(as_text=True)
    assert "会保留的" in page  # what is kept and why, before they ask
    data = tokens(page)
    assert client.post("/me/data/delete", data=data).status_code == 303
    assert client.post("/me/data/delete", data=data).status_code == 303  # the same request again
    assert 'data-deletion="pending"' in client.get("/me/data").get_data(as_text=True)

    west = app.test_client()
    log_in(west, "west", path="/worker/login")
    assert "王芳" not in west.get("/worker/cases/deletions").get_data(as_text=True)
    request = privacy.pending_request(db.session.get(Resident, me.id))
    list_page = west.get("/worker/cases/deletions").get_data(as_text=True)
    assert west.post(f"/worker/cases/deletions/{request.id}/confirm", data=tokens(list_page)).status_code == 404

    east = app.test_client()
    log_in(east, "east", path="/worker/login")
    list_page = east.get("/worker/cases/deletions").get_data(as_text=True)
    assert "王芳" in list_page
    assert east.post(f"/worker/cases/deletions/{request.id}/confirm", data=tokens(list_page)).status_code == 303

    erased = db.session.get(Resident, me.id)
    assert erased.phone != MINE and erased.erased_at is not None and erased.town_id is None
    assert erased.name == "王芳" and erased.id_card_masked == "330482********1234"  # kept: a paid incentive
    assert db.session.get(Outcome, outcome_id) is not None
    assert db.session.scalar(select(func.count(Need.id)).where(Need.resident_id == me.id)) == 0
    assert db.session.scalar(select(func.count(Message.id)).where(Message.phone == MINE)) == 0
    # Nobody else's records were touched.
    assert db.session.scalar(select(func.count(Need.id)).where(Need.resident_id == people["them"].id)) == 1
    assert db.session.scalar(select(func.count(Message.id)).where(Message.phone == THEIRS)) == 1
    # Signed in with the number still: nothing is held under it any more.
    assert "这个手机号还没有登记记录" in client.get("/me").get_data(as_text=True)


def test_without_paid_incentives_the_name_goes_too(app, people):
    them = people["them"]
    admin = make_user("admin", username="boss")
    request = privacy.request_deletion(them, uuid.uuid4().hex)
    privacy.confirm_deletion(request, admin, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    db.session.commit()
    assert db.session.get(Resident, them.id).name == privacy.ERASED_NAME
    assert request.kept == ""
