"""Issue 17's job push at 360 px: the stop link of a "有适合您的工作" text works without JavaScript and
stops job texts only; an enterprise's job page, with a newly qualified learner and the headcount
form (its error too), passes axe."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.clock import utcnow
from app.extensions import db
from app.models import Job, JobPush, LearnerListing, LearningClaim, Resident
from app.services import needs
from app.services.needs import Wish
from app.services.residents import Person
from tests.factories import TODAY, make_institution, make_town
from tests.helpers import log_in_page, make_user

pytestmark = pytest.mark.browser


def no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_job_texts_stop_link_works_without_javascript_and_passes_axe(live_server, phone, phone_no_js, app):
    town = make_town("当湖街道")
    enterprise = make_user("enterprise", institution=make_institution(name="平湖光电科技有限公司", type="enterprise"))
    person = Person(name="李建国", phone="13900000001", town_id=town.id, education="高中", work="在职")
    need = needs.report(person, Wish(kind="skill", target="电工"), submission_id=uuid.uuid4().hex, today=TODAY)
    job = Job(submission_id=uuid.uuid4().hex, institution_id=enterprise.institution_id, title="设备维修电工",
              town_id=town.id, pay_min=5000, pay_max=7000, shifts="day", occupation="电工", cert_level="中级",
              created_at=utcnow() - dt.timedelta(days=5))  # fmt: skip
    db.session.add(job)
    db.session.flush()
    told = JobPush(ref=uuid.uuid4().hex, resident_id=need.resident_id, job_id=job.id, reason="posted", texted=True)
    # a listed learner whose certificate the bureau accepted after the job was posted
    db.session.add_all([told, LearnerListing(resident_id=need.resident_id)])
    db.session.add(LearningClaim(submission_id=uuid.uuid4().hex, resident_id=need.resident_id, kind="certificate",
                                 name="电工", level="中级", earned_on=TODAY - dt.timedelta(days=30),
                                 status="accepted", checked_at=utcnow() - dt.timedelta(days=3)))  # fmt: skip
    db.session.commit()

    checked = phone.new_page()  # axe runs in the page: JavaScript on
    checked.goto(f"{live_server.url}/jobs/stop/{told.ref}")
    assert checked.evaluate("document.documentElement.scrollWidth") <= 360
    no_violations(checked)

    page = phone_no_js.new_page()
    page.goto(f"{live_server.url}/jobs/stop/{told.ref}")
    expect(page.locator("#stop-form")).to_contain_text("新开课程的短信另有停止链接")
    page.get_by_role("button", name="不再发工作短信给我").click()
    expect(page.locator("[role=status]")).to_contain_text("已停止")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    db.session.rollback()
    resident = db.session.get(Resident, need.resident_id)
    assert resident.job_push_stopped_at is not None and resident.push_stopped_at is None

    # The enterprise's job page: the newly qualified learner, masked; the headcount form and its error.
    log_in_page(checked, live_server.url, enterprise.username, path="/enterprise/login")
    expect(checked).to_have_url(re.compile(r"/enterprise/$"))
    checked.goto(f"{live_server.url}/enterprise/jobs/{job.id}")
    expect(checked.locator(f'[data-new-learner="{need.resident_id}"]')).to_contain_text("李**，电工中级，3天前")
    assert checked.evaluate("document.documentElement.scrollWidth") <= 360
    no_violations(checked)
    checked.fill("#openings", "0")
    checked.get_by_role("button", name="保存").click()
    expect(checked.locator("#job-change .error-summary")).to_be_visible()
    no_violations(checked)
