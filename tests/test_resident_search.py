"""A worker finds residents (issue 12): partial numbers and names only in their own town; elsewhere
a whole number or a whole name, shown masked; every search audited and rate-limited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Resident
from tests.factories import make_town
from tests.helpers import tokens


@pytest.fixture
def county(app):
    home, other = make_town("当湖街道"), make_town("乍浦镇")
    db.session.add_all(
        [
            Resident(phone="13812345678", name="王芳", town_id=home.id, consent_method="online"),
            Resident(phone="13912345678", name="王强", town_id=other.id, consent_method="online"),
            Resident(phone="13700000000", name="李四", town_id=other.id, consent_method="online"),
        ]
    )
    db.session.commit()
    return home, other


@pytest.fixture
def search(client, login_as, county):
    login_as("worker", town=county[0])
    page = client.get("/worker/residents").get_data(as_text=True)

    def run(q: str):
        return client.post("/worker/residents", data={**tokens(page), "q": q})

    return run


def found(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_own_town_by_part_of_a_number_or_a_name(search):
    assert "13812345678" in found(search("5678")) and "13812345678" in found(search("王"))


def test_no_partial_number_reaches_another_town(search):
    """The attack: a known suffix, then one more digit at a time, until the whole number shows."""
    for known in ("5678", "45678", "345678", "2345678", "12345678", "912345678", "3912345678"):
        html = found(search(known))
        assert "王强" not in html and "139****5678" not in html, known
    assert "李四" not in found(search("李")), "one character of a name never lists the county"


def test_another_town_by_a_whole_number_or_a_whole_name_masked(search):
    html = found(search("139 1234 5678"))
    assert "王强" in html and "139****5678" in html and "13912345678" not in html
    html = found(search("李四"))
    assert "李四" in html and "137****0000" in html and "13700000000" not in html


def test_every_search_is_audited_without_the_whole_number(search, login_as):
    search("13912345678")
    search("王")
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "resident.search")).all()
    assert [(e.details["by"], e.details["query"]) for e in entries] == [("phone", "139****5678"), ("name", "王")]
    wang = db.session.scalar(select(Resident.id).where(Resident.name == "王强"))
    assert entries[0].details["found"] == [wang] and all(e.actor_id for e in entries)


def test_searches_are_rate_limited(search, app):
    app.config["RESIDENT_SEARCH_LIMIT"] = "3 per 10 minutes"
    for _ in range(3):
        assert search("王").status_code == 200
    refused = search("王")
    assert refused.status_code == 429 and "查找太频繁了" in refused.get_data(as_text=True)
