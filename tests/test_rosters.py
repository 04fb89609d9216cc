"""The roster as a sign-in sheet (签到表): people with a place only (those waiting apart), phones masked
on paper, a column per session, the class on every printed page, a total; attendance recorded back
per session; and 结业 that a class can make depend on attendance."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attendance, AuditEntry, Outcome, Session
from app.services import classes, enrolment
from tests.admin_world import enrol
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens


@pytest.fixture
def running(app):
    """A class of 2 places that began four weeks ago (Wednesdays), with two people in and one waiting."""
    school = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    offering = make_offering(
        programme=make_programme(name="烘焙", institution=school),
        seats=2,
        start_date=TODAY - dt.timedelta(days=27),  # Wednesday 4 November
        weeks=8,
        deadline=TODAY,
    )
    people = [enrol(offering, "13812345678"), enrol(offering, "13912345678", name="李强")]
    waiting = enrol(offering, "13712345678", name="张伟")
    offering.sessions[2].status = "cancelled"
    db.session.commit()
    return {"school": school, "offering": offering, "people": people, "waiting": waiting}


def test_the_sign_in_sheet_lists_those_with_a_place_a_column_per_session_and_masks_phones_on_paper(
    client, login_as, running
):
    login_as("institution", institution=running["school"])
    offering = running["offering"]
    html = client.get(f"/admin/offerings/{offering.id}/roster").get_data(as_text=True)
    sheet = html.split('id="h-waiting"')[0]
    assert "王芳" in sheet and "李强" in sheet and "张伟" not in sheet, "those waiting are listed apart"
    assert "张伟" in html.split('id="h-waiting"')[1]
    held = [s for s in offering.sessions if s.status != "cancelled"]
    assert len(held) == 8 and sheet.count('class="session"') == 8, "a column per session held"
    assert f'<th scope="col" class="session">{held[0].date.month}/{held[0].date.day}</th>' in sheet
    assert '<span class="screen-only">13812345678</span><span class="paper-only">138****5678</span>' in sheet
    assert '<tr class="paper-row"><th colspan="15" scope="colgroup">烘焙 · ' in sheet, "the class heads every page"
    assert "2 人" in sheet
    assert "counter(page)" in client.get(re.search(r'href="(/static/[^"]+site[^"]+\.css)"', html).group(1)).get_data(
        as_text=True
    ), "page numbers at the foot of every printed page"


def test_attendance_is_recorded_per_session_and_shown_on_the_sheet_and_in_the_export(client, login_as, running):
    staff = login_as("institution", institution=running["school"])
    offering, (first, second) = running["offering"], running["people"]
    session = offering.sessions[0]
    url = f"/admin/sessions/{session.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    assert "王芳 138****5678" in page and "张伟" not in page
    response = client.post(url, data={**tokens(page), "present": [str(first.id)]})
    assert response.status_code == 303
    marks = dict(db.session.execute(select(Attendance.enrolment_id, Attendance.present)).all())
    assert marks == {first.id: True, second.id: False}
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'<input checked[^>]*value="{first.id}"', page), "the form shows what was recorded"
    client.post(url, data={**tokens(page), "present": [str(first.id), str(second.id)]})
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.record")).all()
    assert len(entries) == 2 and entries[0].actor_id == staff.id
    assert entries[1].details["before"] == {str(second.id): False} and entries[1].details["after"] == {
        str(second.id): True
    }
    html = client.get(f"/admin/offerings/{offering.id}/roster").get_data(as_text=True)
    assert html.count(f'data-session-id="{session.id}">✓') == 2
    book = load_workbook(io.BytesIO(client.get(f"/admin/offerings/{offering.id}/roster.xlsx").data))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows[0][:5] == ["序号", "姓名", "手机号码", "报名号", "状态"] and rows[0][-1] == "出勤"
    assert rows[1][1:3] == ["王芳", "13812345678"] and rows[1][5] == "✓" and rows[1][-1] == 1
    assert rows[3][0] == "合计" and rows[3][5] == 2
    assert "张伟" in [r[1] for r in rows[5:]], "the waiting list, apart below"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "export.roster")) == 1


def test_a_new_weekday_keeps_the_attendance_of_sessions_still_held(client, login_as, running):
    staff = login_as("institution", institution=running["school"])
    offering, (first, _second) = running["offering"], running["people"]
    session = offering.sessions[0]
    day = session.date
    page = client.get(f"/admin/sessions/{session.id}/attendance").get_data(as_text=True)
    client.post(f"/admin/sessions/{session.id}/attendance", data={**tokens(page), "present": [str(first.id)]})
    offering.end_date += dt.timedelta(weeks=1)  # one more week: the pattern is rebuilt
    classes.rebuild_sessions([offering])
    db.session.commit()
    kept = db.session.execute(
        select(Session.date, Attendance.present).join(Session, Session.id == Attendance.session_id)
    ).all()
    assert sorted(kept) == [(day, False), (day, True)]
    assert staff


def test_completion_can_require_attendance_set_on_the_class(client, login_as, running):
    login_as("institution", institution=running["school"])
    offering, (first, second) = running["offering"], running["people"]
    offering.min_attendance = 75
    db.session.commit()
    held = [s for s in offering.sessions if s.status != "cancelled" and s.date <= TODAY]
    assert len(held) == 3
    for session in held:
        page = client.get(f"/admin/sessions/{session.id}/attendance").get_data(as_text=True)
        came = [str(first.id)] + ([str(second.id)] if session == held[0] else [])
        client.post(f"/admin/sessions/{session.id}/attendance", data={**tokens(page), "present": came})
    answers = {"kind": "completion", "evidence": "结业 1", "completed_on": TODAY.isoformat()}
    page = client.get(f"/admin/enrolments/{second.id}/complete").get_data(as_text=True)
    refused = client.post(f"/admin/enrolments/{second.id}/complete", data={**tokens(page), **answers})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "这个班结业要求出勤 75%：已上 3 次课，至少要来 3 次，这位学员来了 1 次。请先在签到表登记出勤" in html
    page = client.get(f"/admin/enrolments/{first.id}/complete").get_data(as_text=True)
    assert client.post(f"/admin/enrolments/{first.id}/complete", data={**tokens(page), **answers}).status_code == 303
    assert db.session.scalar(select(Outcome.enrolment_id)) == first.id
    form = client.get(f"/admin/offerings/{offering.id}/edit").get_data(as_text=True)
    assert 'name="min_attendance"' in form and 'value="75"' in form


def test_the_waiting_list_moves_up_onto_the_sheet(client, login_as, running):
    login_as("institution", institution=running["school"])
    enrolment.cancel(running["people"][1])
    db.session.commit()
    html = client.get(f"/admin/offerings/{running['offering'].id}/roster").get_data(as_text=True)
    assert "张伟" in html and 'id="h-waiting"' not in html
