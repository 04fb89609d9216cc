"""Completions: a date before the class started or in the future is refused, a certificate number is
recorded once, and the residence a policy depends on is asked when unknown, never assumed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Outcome, Resident
from tests.admin_world import enrol, make_policy
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import invalid_fields, tokens


@pytest.fixture
def course(app):
    school = make_institution(name="平湖技师学院", town=make_town("当湖街道"))
    programme = make_programme(
        name="电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级"
    )
    offering = make_offering(
        programme=programme, start_date=TODAY - dt.timedelta(weeks=10), weeks=12, deadline=TODAY, seats=5
    )
    db.session.commit()
    return {"school": school, "offering": offering}


def complete(client, enrolment, **answers):
    page = client.get(f"/admin/enrolments/{enrolment.id}/complete").get_data(as_text=True)
    data = {"kind": "certificate", "level": "初级", "evidence": "证书 001", "completed_on": TODAY.isoformat()}
    return client.post(f"/admin/enrolments/{enrolment.id}/complete", data={**tokens(page), **data, **answers})


def test_a_completion_date_before_the_class_or_in_the_future_is_refused(client, login_as, course):
    login_as("institution", institution=course["school"])
    enrolment = enrol(course["offering"], "13812345678")
    db.session.commit()
    start = course["offering"].start_date
    early = complete(client, enrolment, completed_on=(start - dt.timedelta(days=1)).isoformat())
    html = early.get_data(as_text=True)
    assert early.status_code == 422 and f"完成日期早于开班日期 {start.isoformat()}，请核对" in html
    assert "completed_on" in invalid_fields(html)
    later = complete(client, enrolment, completed_on=(TODAY + dt.timedelta(days=1)).isoformat())
    assert later.status_code == 422 and "完成日期不能晚于今天（2026-12-01），请核对" in later.get_data(as_text=True)
    assert complete(client, enrolment, completed_on=start.isoformat()).status_code == 303


def test_a_certificate_number_is_recorded_once(client, login_as, course):
    login_as("institution", institution=course["school"])
    first, second = enrol(course["offering"], "13812345678"), enrol(course["offering"], "13912345678", name="李强")
    db.session.commit()
    assert complete(client, first, evidence="证书编号：DG-2026 0001").status_code == 303
    again = complete(client, second, evidence="ｄｇ－２０２６０００１")
    html = again.get_data(as_text=True)
    assert again.status_code == 422 and "evidence" in invalid_fields(html)
    assert "证书编号 DG-20260001 已经登记在王芳名下，一个证书只能登记一次；请核对编号" in html
    assert db.session.scalar(select(Outcome.certificate_no)) == "DG-20260001"
    assert complete(client, second, evidence="证书编号：DG-2026 0002").status_code == 303


def test_the_residence_a_policy_depends_on_is_asked_when_unknown(client, login_as, course):
    make_policy(code="JN-HJ", level="初级", value=800, residence="户籍")
    make_policy(code="JN-LD", level="初级", value=500, residence="流动人口")
    db.session.commit()
    login_as("institution", institution=course["school"])
    unknown = enrol(course["offering"], "13812345678", residence=None)
    known = enrol(course["offering"], "13912345678", name="李强", residence="流动人口")
    db.session.commit()
    page = client.get(f"/admin/enrolments/{unknown.id}/complete").get_data(as_text=True)
    assert 'name="residence"' in page and "系统里还没有这位学员的户籍" in page
    missing = complete(client, unknown)
    assert missing.status_code == 422 and "residence" in invalid_fields(missing.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Outcome.id))) == 0, "nothing assumed, nothing recorded"
    assert complete(client, unknown, residence="流动人口").status_code == 303
    outcome = db.session.scalar(select(Outcome))
    assert (outcome.incentive_amount, outcome.policy_codes) == (500, ["JN-LD"])
    assert db.session.get(Resident, unknown.resident_id).residence == "流动人口", "asked once, kept"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resident.update"))
    assert entry.details["after"] == {"residence": "流动人口"} and entry.resident_id == unknown.resident_id
    page = client.get(f"/admin/enrolments/{known.id}/complete").get_data(as_text=True)
    assert 'name="residence"' not in page, "a known residence is not asked again"


def test_no_policy_depends_on_residence_so_it_is_not_asked(client, login_as, course):
    make_policy(code="JN-DG-CJ", level="初级", value=800)
    db.session.commit()
    login_as("institution", institution=course["school"])
    enrolment = enrol(course["offering"], "13812345678", residence=None)
    db.session.commit()
    assert 'name="residence"' not in client.get(f"/admin/enrolments/{enrolment.id}/complete").get_data(as_text=True)
    assert complete(client, enrolment).status_code == 303
    assert db.session.scalar(select(Outcome.incentive_amount)) == 800
