"""An import reads and checks its file before it takes the write lock, and holds the lock only for
the writes: a sign-up (any write) made while a large file is being parsed is not kept waiting."""

from __future__ import annotations

import io
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import app.routes.admin.imports as import_route
from app import db as transactions
from app.extensions import db
from app.models import Offering
from app.services import imports
from tests.factories import make_institution, make_offering, make_programme, make_town
from tests.helpers import make_user, tokens

SHEET = (
    "开班编号,课程名称,类别,镇/街道,上课地点,开始日期,结束日期,星期,开始时间,结束时间,名额\n"
    "DH-1,烘焙,社区与兴趣,当湖街道,社区学校,2027-03-07,2027-05-30,7,08:30,11:30,30\n"
)


@pytest.fixture
def school(app):
    institution = make_institution(name="当湖街道社区学校", town=make_town("当湖街道"))
    db.session.commit()
    return institution


def test_the_file_is_parsed_before_the_write_lock_and_a_write_meanwhile_is_not_blocked(
    app, client, login_as, school, monkeypatch
):
    login_as("institution", institution=school)
    events: list[str] = []
    writes_meanwhile: list[str] = []
    begin_write, validate = transactions.begin_write, imports.validate

    def spied_begin_write():
        events.append("lock")
        begin_write()

    def spied_validate(*args, **kwargs):
        events.append("parse")
        if app.config["DATABASE_BACKEND"] == "sqlite":
            # Another request's write, while the file is parsed: no waiting for a lock (timeout 0).
            other = sqlite3.connect(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database, timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE towns SET sort_order = sort_order")
                other.rollback()
                writes_meanwhile.append("written")
            except sqlite3.OperationalError as error:
                writes_meanwhile.append(str(error))
            finally:
                other.close()
        return validate(*args, **kwargs)

    monkeypatch.setattr(transactions, "begin_write", spied_begin_write)
    monkeypatch.setattr(import_route, "begin_write", spied_begin_write)
    monkeypatch.setattr(imports, "validate", spied_validate)
    page = client.get("/admin/import").get_data(as_text=True)
    events.clear()
    response = client.post(
        "/admin/import",
        data={**tokens(page), "file": (io.BytesIO(SHEET.encode("utf-8-sig")), "classes.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert events[:2] == ["parse", "lock"], "the write lock is taken after the file is read"
    if app.config["DATABASE_BACKEND"] == "sqlite":
        assert writes_meanwhile == ["written"], "a write made during the parse was not blocked"
    assert db.session.scalar(select(func.count(Offering.id)).where(Offering.code == "DH-1")) == 1


def test_a_code_another_institution_took_while_the_file_was_read_is_refused_not_a_500(app, school):
    other = make_institution(name="别的学校", town=school.town)
    actor = make_user("institution", institution=school)
    with app.test_request_context():
        parsed = imports.parse(SHEET.encode("utf-8-sig"), "classes.csv", school)
        assert parsed.found.ok
        taken = make_offering(programme=make_programme(name="书法", institution=other))
        taken.code = "DH-1"  # another institution's class, made after the file was read
        db.session.flush()
        result = imports.write(parsed, "classes.csv", school, actor, "0" * 32)
        assert not result.ok and "“DH-1”是其他院校的班级编号" in str(result.problems[0])
        assert db.session.scalar(select(func.count(Offering.id)).where(Offering.institution_id == school.id)) == 0
