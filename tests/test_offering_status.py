"""A class's status posted without one, or with one that isn't a class's: the class page says which
button to press, and nothing changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Offering
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import tokens


@pytest.fixture
def offering(app):
    school = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    offering = make_offering(programme=make_programme(name="烘焙", institution=school))
    db.session.commit()
    return offering


# "\x00": a NUL-only answer is an empty one (typed answers lose control characters at either end)
@pytest.mark.parametrize("status", [None, "", "deleted", "\x00", "del\x00eted"])
def test_a_missing_or_unknown_status_shows_the_class_page_saying_what_to_press(client, login_as, offering, status):
    login_as("admin")
    page = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    data = tokens(page) | ({} if status is None else {"status": status})
    response = client.post(f"/admin/offerings/{offering.id}/status", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有改状态" in html and "恢复报名、停止报名或取消这个班" in html and 'href="#status-actions"' in html
    assert 'id="status-actions"' in html and offering.title in html, "the class page, with its buttons"
    db.session.expire_all()
    assert db.session.get(Offering, offering.id).status == "open"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "offering.status")) == 0


def test_the_message_is_in_the_users_language(client, login_as, offering):
    login_as("admin")
    page = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/offerings/{offering.id}/status", data=tokens(page), headers={"Accept-Language": "en"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Status not changed" in html and "没有改状态" not in html


def test_a_good_status_still_changes_it(client, login_as, offering):
    login_as("admin")
    page = client.get(f"/admin/offerings/{offering.id}").get_data(as_text=True)
    response = client.post(f"/admin/offerings/{offering.id}/status", data={**tokens(page), "status": "closed"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Offering, offering.id).status == "closed"
