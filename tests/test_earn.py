"""Learn → earn: the learning record, enterprises' jobs matched both ways, 共富工坊 work orders and
the 驾驶舱's 成果转化 figures."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from app.clock import now
from app.extensions import db
from app.models import ClaimStatus, Enrolment, LearningClaim, Outcome, Resident
from app.services import learning, outcomes
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import log_in, make_user, tokens


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["CLOCK_TODAY"] = TODAY
    yield
    app.config.pop("CLOCK_TODAY", None)


def sign_in_me(client, phone: str) -> None:
    """As /me does after the one-time code (its own tests cover the code)."""
    with client.session_transaction() as session:
        session["me_phone"], session["me_since"] = phone, now().isoformat()


def resident(phone: str, town, name: str = "王小明") -> Resident:
    person = Resident(phone=phone, name=name, town=town, consent_method="online")
    db.session.add(person)
    db.session.flush()
    return person


def complete(person: Resident, offering, level: str | None = None, on: dt.date = TODAY) -> Outcome:
    """Enrol `person` in `offering` and record its completion through the outcomes service."""
    serial = uuid.uuid4().hex
    enrolment = Enrolment(
        ref=serial,
        code="XH-" + serial[:6].upper(),
        submission_id=serial,
        resident=person,
        offering=offering,
        status="confirmed",
        consent_method="online",
    )
    db.session.add(enrolment)
    db.session.flush()
    admin = make_user("admin")
    kind = {"skill": "certificate", "degree": "degree"}.get(offering.kind, "completion")
    return outcomes.record(enrolment, kind, level or offering.programme.cert_level, "", on, admin, uuid.uuid4().hex)


def electrician(level: str, town, start: dt.date, weeks: int = 4, institution=None):
    institution = institution or make_institution(town=town, type="vocational_school")
    programme = make_programme(
        f"电工（{level}）", kind="skill", institution=institution, certificate="电工", cert_level=level
    )
    return make_offering(programme=programme, town=town, start_date=start, weeks=weeks)


# 1. The vocabulary: an enterprise's words and a certificate's words meet -----------------------


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("电工（中级）", ("电工", "中级")),
        ("电工四级", ("电工", "中级")),
        ("电工证 四级", ("电工", "中级")),
        ("低压电工五级", ("电工", "初级")),
        ("电工(初级)", ("电工", "初级")),
        ("维修电工 高级工", ("电工", "高级")),
        ("电工二级", ("电工", "技师")),
        ("电工一级", ("电工", "高级技师")),
        ("电工高级技师", ("电工", "高级技师")),
        ("叉车司机三级", ("叉车司机", "高级")),
        ("电工", ("电工", None)),
    ],
)
def test_level_words_of_the_national_ladder_mean_the_same_certificate(app, vocabulary, text, meaning):
    assert vocabulary.occupation_level(text) == meaning


def test_an_enterprises_wording_and_a_certificates_meet(app, vocabulary):
    assert vocabulary.same_certificate("电工（中级）", "电工四级")
    assert not vocabulary.same_certificate("电工（中级）", "电工五级")
    assert not vocabulary.same_certificate("电工（中级）", "焊工四级")


# 1. The learning record ------------------------------------------------------------------------


@pytest.fixture
def county(app, vocabulary):
    town = make_town("当湖街道")
    other = make_town("独山港镇")
    db.session.commit()
    return {"town": town, "other": other}


def test_the_record_on_me_has_what_was_earned_being_studied_and_declared(app, client, county):
    town = county["town"]
    person = resident("13800000001", town)
    done = electrician("初级", town, TODAY - dt.timedelta(days=60))
    complete(person, done, on=TODAY - dt.timedelta(days=3))
    db.session.commit()
    sign_in_me(client, person.phone)
    page = client.get("/me").get_data(as_text=True)
    record = page.split('id="record"')[1].split('id="jobs"')[0]
    assert "电工（初级）" in record and "已取得" in record and "在学后取得" in record

    form = client.get("/me/record/new").get_data(as_text=True)
    missing_level = {**tokens(form), "kind": "certificate", "name": "焊工证", "earned_on": "2024-05-01"}
    again = client.post("/me/record/new", data=missing_level)
    assert again.status_code == 422
    kept = again.get_data(as_text=True)
    assert 'value="焊工证"' in kept and "请写上证书的等级" in kept
    answers = {**tokens(kept), "kind": "certificate", "name": "焊工四级", "earned_on": "2024-05-01"}
    assert client.post("/me/record/new", data=answers).status_code == 303
    assert client.post("/me/record/new", data=answers).status_code == 303  # a replay adds nothing
    claims = db.session.scalars(select(LearningClaim)).all()
    assert [(c.name, c.level, c.status) for c in claims] == [("焊工", "中级", "pending")]
    record = client.get("/me").get_data(as_text=True).split('id="record"')[1].split('id="jobs"')[0]
    assert "焊工（中级）" in record and "待工作人员核对" in record
    assert learning.level_held(person.id, "焊工", TODAY) is None  # not until staff check it


def test_staff_check_a_declared_certificate_and_matching_then_offers_the_next_level(app, client, county):
    town = county["town"]
    person = resident("13800000002", town)
    claim = learning.declare(
        person.id, uuid.uuid4().hex, "certificate", "电工五级", TODAY - dt.timedelta(days=400), None
    )
    db.session.commit()
    admin = make_user("admin")
    db.session.commit()
    log_in(client, admin)
    listing = client.get("/admin/learning-claims").get_data(as_text=True)
    assert "13800000002" not in listing and "电工" in listing and "138****0002" in listing
    form = tokens(listing)
    assert client.post(f"/admin/learning-claims/{claim.id}", data={**form, "decision": "accept"}).status_code == 303
    db.session.refresh(claim)
    assert claim.status == ClaimStatus.ACCEPTED
    assert learning.level_held(person.id, "电工", TODAY) == "初级"
    # Matching uses the record: 电工（中级）needs 初级, which the record now holds.
    from app.models import Need
    from app.services import matching, vocabulary

    need = Need(resident_id=person.id, kind="skill", target="电工", weekdays="", times="")
    intermediate = electrician("中级", town, TODAY + dt.timedelta(days=10))
    held = matching.hold_back(intermediate.programme, need, vocabulary.lexicon())
    assert held is None
    junior = electrician("初级", town, TODAY + dt.timedelta(days=10))
    assert matching.hold_back(junior.programme, need, vocabulary.lexicon()).why == "holds"
    db.session.rollback()
