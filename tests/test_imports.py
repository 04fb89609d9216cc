"""Spreadsheets in and out: the template, all-or-nothing imports with row-and-column messages,
re-imports that update, exports in XLSX and in CSV with a BOM."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Enrolment, Offering, Programme, Session
from app.services import imports
from tests.admin_world import enrol
from tests.factories import make_institution, make_offering, make_town
from tests.helpers import tokens


@pytest.fixture
def school(app):
    town = make_town("当湖街道")
    make_town("钟埭街道")
    institution = make_institution(name="当湖街道社区学校", town=town)
    db.session.commit()
    return institution


def as_csv(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def as_xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str):
    page = client.get("/admin/import").get_data(as_text=True)
    return client.post(
        "/admin/import",
        data={**tokens(page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_templates_have_chinese_headers_and_excel_friendly_csv(client, login_as, school):
    login_as("institution", institution=school)
    xlsx = client.get("/admin/import/template.xlsx")
    headers = [c.value for c in next(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows())]
    assert headers[:4] == ["开班编号", "课程名称", "类别", "镇/街道"] and "适合长辈" in headers
    assert xlsx.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    text = client.get("/admin/import/template.csv").data
    assert text.startswith(b"\xef\xbb\xbf") and "开班编号" in text.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_imports_and_a_second_import_updates(client, login_as, school, fmt):
    staff = login_as("institution", institution=school)
    template = client.get(f"/admin/import/template.{fmt}").data
    first = upload(client, template, f"term.{fmt}")
    assert first.status_code == 303, first.get_data(as_text=True)
    offerings = {o.code: o for o in db.session.scalars(select(Offering))}
    assert set(offerings) == {"DQ-2026-01", "DQ-2026-02", "DQ-2026-03"}
    electrician = offerings["DQ-2026-01"]
    assert (electrician.weekday, electrician.capacity, electrician.fee) == (7, 30, 300)
    assert electrician.programme.name == "电工（初级）" and electrician.programme.cert_level == "初级"
    assert offerings["DQ-2026-02"].weekday == 6 and offerings["DQ-2026-03"].senior_friendly
    assert electrician.sessions and "diangong" in electrician.search_key
    assert db.session.scalar(select(func.count(Programme.id))) == 3
    assert upload(client, template, f"term.{fmt}").status_code == 303
    assert db.session.scalar(select(func.count(Offering.id))) == 3, "a re-import updates, never duplicates"
    assert db.session.scalar(select(func.count(Programme.id))) == 3
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert [e.details["after"]["created"] for e in entries] == [3, 0] and entries[1].details["after"]["updated"] == 3
    assert entries[0].actor_id == staff.id


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_imported(client, login_as, school):
    login_as("institution", institution=school)
    rows = [
        imports.HEADERS,
        imports.EXAMPLE[0],
        ["A-2", "书法", "社区与兴趣", "", "礼堂", "2027-03-01", "2027-05-01", "周八", "9:00", "10:00", "三十"],
        ["A-3", "书法", "社区与兴趣", "当湖街道", "礼堂", "2027-05-01", "2027-03-01", "星期三", "10:00", "9:00", "20"],
        [
            "A-4",
            "书法",
            "社区与兴趣",
            "月球镇",
            "礼堂",
            "２０２７-０３-０１",
            "2027-05-01",
            "３",
            "９:００",
            "10:00",
            "２０",
        ],
    ]
    response = upload(client, as_csv(rows), "bad.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>错误：" in html and 'role="alert"' in html
    assert "第 3 行“镇/街道”：这一格是空的，请填写" in html
    assert "第 3 行“星期”：看不懂“周八”，请填 1–7 或 星期一…星期日" in html
    assert "第 3 行“名额”：“三十”不是人数，请填整数，例如 30" in html
    assert "第 4 行“结束日期”：结束日期 2027-03-01 早于开始日期 2027-05-01，请改正" in html
    assert "第 4 行“结束时间”：结束时间要晚于开始时间" in html
    assert "第 5 行“镇/街道”：没有叫“月球镇”的镇或街道" in html
    assert html.count('data-row="5"') == 1, "full-width digits in dates, weekdays, times and numbers are fine"
    assert (
        db.session.scalar(select(func.count(Offering.id))) == 0
        and db.session.scalar(select(func.count(Programme.id))) == 0
    ), "nothing half-imports"


def test_missing_columns_unreadable_files_and_another_institutions_code(client, login_as, school):
    login_as("institution", institution=school)
    theirs = make_offering(name="书法")
    db.session.commit()
    no_town = [[h for h in imports.HEADERS if h != "镇/街道"]]
    html = upload(client, as_xlsx(no_town), "x.xlsx").get_data(as_text=True)
    assert "第 1 行“镇/街道”：表头缺少这一列" in html
    assert "打不开这个文件" in upload(client, b"not a spreadsheet", "x.xlsx").get_data(as_text=True)
    wrong_type = upload(client, b"x", "x.pdf")
    assert wrong_type.status_code == 422 and "只能导入 .xlsx 或 .csv" in wrong_type.get_data(as_text=True)
    stolen = [imports.HEADERS, [theirs.code, *imports.EXAMPLE[0][1:]]]
    html = upload(client, as_xlsx(stolen), "x.xlsx").get_data(as_text=True)
    assert f"“{theirs.code}”是其他院校的班级编号" in html
    twice = [imports.HEADERS, imports.EXAMPLE[0], imports.EXAMPLE[0]]
    assert "在第 2 行已经出现过" in upload(client, as_csv(twice), "x.csv").get_data(as_text=True)
    two_kinds = [
        imports.HEADERS,
        imports.EXAMPLE[0],
        ["X-9", imports.EXAMPLE[0][1], "社区与兴趣", *imports.EXAMPLE[0][3:]],
    ]
    html = upload(client, as_csv(two_kinds), "x.csv").get_data(as_text=True)
    assert "第 3 行“类别”：课程“电工（初级）”在第 2 行是另一个类别" in html


def test_reimport_with_a_new_weekday_rebuilds_sessions_and_keeps_everyone_enrolled(client, login_as, school):
    login_as("institution", institution=school)
    assert upload(client, as_csv([imports.HEADERS, imports.EXAMPLE[0]]), "a.csv").status_code == 303
    offering = db.session.scalar(select(Offering))
    enrol(offering, "13800000001")
    db.session.commit()
    moved = [*imports.EXAMPLE[0]]
    moved[7], moved[10] = "星期六", "0"
    html = upload(client, as_csv([imports.HEADERS, moved]), "a.csv").get_data(as_text=True)
    assert "第 2 行“名额”：这个班已有 1 人报名，名额不能少于这个数" in html
    moved[10] = "25"
    assert upload(client, as_csv([imports.HEADERS, moved]), "a.csv").status_code == 303
    db.session.expire_all()
    days = db.session.scalars(select(Session.date).where(Session.offering_id == offering.id)).all()
    assert days and {d.isoweekday() for d in days} == {6}
    assert db.session.scalar(select(Enrolment.status)) == "confirmed"
    assert db.session.get(Offering, offering.id).capacity == 25


def test_exports_in_xlsx_and_csv_with_a_bom(client, app, login_as, school):
    offering = make_offering(name="烘焙", town=school.town)
    offering.institution_id = school.id
    enrol(offering, "13812345678")
    other = make_offering(name="书法")
    enrol(other, "13912345678", name="李强")
    db.session.commit()
    login_as("institution", institution=school)
    text = client.get("/admin/exports/enrolments.csv").data
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][:3] == ["开班编号", "报名号", "姓名"] and len(rows) == 2 and rows[1][2:4] == ["王芳", "13812345678"]
    book = load_workbook(io.BytesIO(client.get("/admin/exports/enrolments.xlsx").data))
    assert [c.value for c in book.active[2]][2] == "王芳"
    assert client.get("/admin/exports/needs.csv").status_code == 403, "needs are the bureau's"


def test_a_formula_in_a_name_is_written_as_text(client, login_as, school):
    from app.services.exports import table

    data = table(["姓名"], [['=HYPERLINK("x")']], "csv")
    assert data.decode("utf-8-sig").splitlines()[1].startswith("\"'=HYPERLINK")


cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["２０２７-０３-０１", "星期八", "25:61", "2027-02-30", "９９９９９９９９９９９９", "是", "=1+1"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cells, max_size=len(imports.HEADERS) + 2), min_size=1, max_size=4))
def test_any_cells_give_problems_never_an_exception(app, school, rows):
    with app.test_request_context():
        clean, problems = imports.validate(iter(enumerate([imports.HEADERS, *rows], start=1)), school)
        assert problems or clean
        for problem in problems:
            assert problem.row >= 1 and problem.column and str(problem)
