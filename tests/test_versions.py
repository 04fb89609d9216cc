"""Two people editing one record: the second save never silently overwrites the first. The second
gets the form back with what they typed, what is saved now beside it, and can save theirs on top
(app.services.versions)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Offering, Policy, Programme
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import log_in, make_user, tokens


@pytest.fixture
def school(app):
    town = make_town("当湖街道")
    institution = make_institution(name="当湖街道社区学校", town=town)
    db.session.commit()
    return institution


def staff_client(app, role: str, institution=None):
    client = app.test_client()
    user = make_user(role, institution=institution)
    db.session.commit()
    log_in(client, user)
    return client, user


def class_answers(offering: Offering, **changes) -> dict:
    answers = {
        "programme": str(offering.programme_id),
        "code": offering.code,
        "town": str(offering.town_id),
        "place": offering.place,
        "start_date": offering.start_date.isoformat(),
        "end_date": offering.end_date.isoformat(),
        "weekdays": str(offering.weekday),
        "start_time": offering.start_time.strftime("%H:%M"),
        "end_time": offering.end_time.strftime("%H:%M"),
        "capacity": str(offering.capacity),
        "fee": str(offering.fee),
        "signup_deadline": offering.signup_deadline.isoformat(),
    }
    return {**answers, **changes}


def conflict_table(html: str) -> dict[str, tuple[str, str]]:
    """The conflict box's rows: label → (saved now, typed)."""
    rows = re.findall(
        r'<tr><th scope="row">([^<]*)</th><td data-saved>([^<]*)</td><td data-typed>([^<]*)</td></tr>', html
    )
    return {label: (saved, typed) for label, saved, typed in rows}


def test_the_second_save_of_a_class_shows_both_versions_and_wins_only_when_sent_again(app, school):
    offering = make_offering(programme=make_programme(name="烘焙", institution=school), seats=20)
    db.session.commit()
    url = f"/admin/offerings/{offering.id}/edit"
    first, _ = staff_client(app, "admin")
    second, _ = staff_client(app, "institution", institution=school)
    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url).get_data(as_text=True)
    assert tokens(first_page)["version"] == tokens(second_page)["version"] == "1"

    saved = first.post(url, data={**tokens(first_page), **class_answers(offering, place="301 教室")})
    assert saved.status_code == 303
    mine = class_answers(offering, place="二楼大教室", capacity="25")
    clash = second.post(url, data={**tokens(second_page), **mine})
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "别人已经保存了这一条" in html and "测试员" in html, "says that and who saved it"
    table = conflict_table(html)
    assert table["上课地点"] == ("301 教室", "二楼大教室"), "what the other person saved beside what was typed"
    assert table["名额"] == ("20", "25")
    assert "开班编号" not in table, "only the fields that differ"
    assert 'value="二楼大教室"' in html and 'value="25"' in html, "everything typed is kept in the form"
    db.session.expire_all()
    kept = db.session.get(Offering, offering.id)
    assert (kept.place, kept.capacity, kept.version) == ("301 教室", 20, 2), "the database holds the first save"

    again = second.post(url, data={**mine, **tokens(html)})  # the conflict page carries version 2
    assert tokens(html)["version"] == "2" and again.status_code == 303
    db.session.expire_all()
    kept = db.session.get(Offering, offering.id)
    assert (kept.place, kept.capacity, kept.version) == ("二楼大教室", 25, 3), "sent again, the second wins"


def test_a_stale_edit_of_a_policy_comes_back_in_english_and_for_htmx(app, school):
    policy = Policy(code="JN-1", name="技能补贴", kind="skill", basis="fixed", value=500, payee="learner")
    db.session.add(policy)
    db.session.commit()
    url = f"/admin/policies/{policy.id}/edit"
    first, _ = staff_client(app, "admin")
    second, _ = staff_client(app, "admin")
    second.environ_base["HTTP_HX_REQUEST"] = "true"
    answers = {"code": "JN-1", "name": "技能补贴", "kind": "skill", "basis": "fixed", "payee": "learner", "active": "y"}
    first_page = first.get(url).get_data(as_text=True)
    second_page = second.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert first.post(url, data={**tokens(first_page), **answers, "value": "800"}).status_code == 303
    clash = second.post(url, data={**tokens(second_page), **answers, "value": "600"}, headers={"Accept-Language": "en"})
    html = clash.get_data(as_text=True)
    assert clash.status_code == 422, "HTMX swaps in only a 422"
    assert "saved this" in html and "别人" not in html, "in the user's language"
    assert ("800", "600") in conflict_table(html).values()
    db.session.refresh(policy)
    assert policy.value == 800


def test_the_same_change_twice_is_no_conflict_and_a_form_without_its_version_is_not_trusted(app, school):
    programme = make_programme(name="烘焙", institution=school)
    db.session.commit()
    url = f"/admin/programmes/{programme.id}/edit"
    first, _ = staff_client(app, "admin")
    second, _ = staff_client(app, "admin")
    answers = {"kind": "community", "name": "烘焙入门", "audience": "长辈"}
    first_page, second_page = first.get(url).get_data(as_text=True), second.get(url).get_data(as_text=True)
    assert first.post(url, data={**tokens(first_page), **answers}).status_code == 303
    assert second.post(url, data={**tokens(second_page), **answers}).status_code == 303, "nothing to choose between"
    unversioned = {k: v for k, v in tokens(first.get(url).get_data(as_text=True)).items() if k != "version"}
    clash = first.post(url, data={**unversioned, **answers, "name": "面包"})
    assert clash.status_code == 409 and ("烘焙入门", "面包") in conflict_table(clash.get_data(as_text=True)).values()
    db.session.expire_all()
    assert db.session.get(Programme, programme.id).name == "烘焙入门"


def test_an_import_counts_as_a_change_to_an_open_edit_form(app, school):
    offering = make_offering(programme=make_programme(name="烘焙", institution=school), seats=20)
    db.session.commit()
    url = f"/admin/offerings/{offering.id}/edit"
    editor, user = staff_client(app, "institution", institution=school)
    page = editor.get(url).get_data(as_text=True)
    typed = class_answers(offering, place="我的地址")  # as the form was loaded: 20 places
    sheet = [
        [
            "开班编号",
            "课程名称",
            "类别",
            "镇/街道",
            "上课地点",
            "开始日期",
            "结束日期",
            "星期",
            "开始时间",
            "结束时间",
            "名额",
        ],
        [
            offering.code,
            "烘焙",
            "社区与兴趣",
            "当湖街道",
            "新地址",
            offering.start_date.isoformat(),
            offering.end_date.isoformat(),
            str(offering.weekday),
            offering.start_time.strftime("%H:%M"),
            offering.end_time.strftime("%H:%M"),
            "40",
        ],
    ]
    text = "\n".join(",".join(row) for row in sheet).encode("utf-8-sig")
    importer = app.test_client()
    log_in(importer, user)
    form = importer.get("/admin/import").get_data(as_text=True)
    imported = importer.post(
        "/admin/import",
        data={**tokens(form), "file": (io.BytesIO(text), "classes.csv")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 303, imported.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Offering.version).where(Offering.id == offering.id)) == 2
    clash = editor.post(url, data={**tokens(page), **typed})
    assert clash.status_code == 409
    table = conflict_table(clash.get_data(as_text=True))
    assert table["上课地点"] == ("新地址", "我的地址") and table["名额"] == ("40", "20")
