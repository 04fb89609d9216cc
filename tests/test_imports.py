"""Spreadsheets in and out: the template, all-or-nothing imports with row-and-column messages,
re-imports that update, exports in XLSX and in CSV with a BOM."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Border, Side
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


def filled_in(template: bytes, fmt: str) -> bytes:
    """The template as an office fills it in: the example rows become their own (示例 taken off the codes)."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
        return as_csv([rows[0], *([r[0].removeprefix("示例-"), *r[1:]] for r in rows[1:])])
    book = load_workbook(io.BytesIO(template))
    for (cell,) in book.active.iter_rows(min_row=2, max_col=1):
        cell.value = cell.value.removeprefix("示例-")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_imports_and_a_second_import_updates(client, login_as, school, fmt):
    staff = login_as("institution", institution=school)
    template = client.get(f"/admin/import/template.{fmt}").data
    as_is = upload(client, template, f"term.{fmt}")
    assert as_is.status_code == 422 and "只有模板的示例行" in as_is.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Offering.id))) == 0, "the template's examples never become classes"
    template = filled_in(template, fmt)
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
    # Course and town beside the code; the phone is text (a leading tab) so Excel keeps all 11 digits.
    assert rows[0][:6] == ["开班编号", "课程名称", "上课镇街", "院校", "报名号", "姓名"] and len(rows) == 2
    assert rows[1][1:3] == ["烘焙", "当湖街道"] and rows[1][5:7] == ["王芳", "\t13812345678"]
    assert rows[1][7:9] == ["已确认", "本人报名"], "status and source in words"
    book = load_workbook(io.BytesIO(client.get("/admin/exports/enrolments.xlsx").data))
    sheet = book.active
    cells = [c for c in sheet[2]]
    assert cells[5].value == "王芳" and cells[6].value == "13812345678" and cells[6].number_format == "@"
    assert isinstance(cells[9].value, dt.datetime) and cells[9].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["B"].width >= 20
    assert client.get("/admin/exports/needs.csv").status_code == 403, "needs are the bureau's"
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.enrolments")).all()
    assert [a.details["format"] for a in audits] == ["csv", "xlsx"] and audits[0].details["institution_id"] == school.id


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


# Spreadsheets as offices make them ------------------------------------------------------------------

CHINESE_FORMATS = {  # Chinese Excel's built-in number formats: saved as an id, with no format text
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    55: '上午/下午h"时"mm"分"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}


@contextlib.contextmanager
def chinese_excel():
    """While a book is built and saved, openpyxl writes these formats by id, as Chinese Excel does (a
    reader that does not know the ids sees plain numbers: 46452, 0.333…). Removed before the app reads."""
    from openpyxl.styles import numbers

    for key, code in CHINESE_FORMATS.items():
        numbers.BUILTIN_FORMATS[key], numbers.BUILTIN_FORMATS_REVERSE[code] = code, key
    try:
        yield
    finally:
        for key, code in CHINESE_FORMATS.items():
            del numbers.BUILTIN_FORMATS[key], numbers.BUILTIN_FORMATS_REVERSE[code]


def saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(**cells) -> list:
    """A template row (the first example's values) with some cells changed, by header."""
    values = dict(zip(imports.HEADERS, imports.EXAMPLE[0], strict=True))
    values.update(cells)
    return [values[h] for h in imports.HEADERS]


def flashes(client) -> str:
    return client.get("/admin/offerings").get_data(as_text=True)


def test_a_title_above_the_header_data_on_the_second_sheet_a_total_row_and_borders_to_row_25000(
    client, login_as, school
):
    login_as("institution", institution=school)
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["每行一个班，开班编号不要重复。"])
    sheet = book.create_sheet("2027春季")
    sheet.append(["平湖市当湖街道社区学校 2027 年春季开班计划"])  # title, merged across the columns
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(imports.HEADERS) + 1)
    sheet.append(["填报单位：当湖街道社区学校", None, None, "填报日期：2027-01-05"])
    sheet.append(["序号", *imports.HEADERS])
    sheet.append([1, *row_of(开班编号="DH-01")])
    sheet.append([2, *row_of(开班编号="DH-02", 课程名称="电工（中级）", 等级="中级")])
    sheet.append([])
    sheet.append([3, *row_of(开班编号="示例-DQ-2026-01")])  # a template example left in
    sheet.append(["合计", None, None, None, None, None, None, None, None, None, None, 50])  # Excel keeps =SUM's value
    thin = Side(style="thin")
    for number in range(4, 25_001):  # the office drew the table's borders far down, with 序号 filled in
        sheet.cell(number, 1).border = Border(left=thin, right=thin, top=thin, bottom=thin)
        if number > 10:
            sheet.cell(number, 1).value = number - 3
    response = upload(client, saved(book), "春季.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert set(db.session.scalars(select(Offering.code))) == {"DH-01", "DH-02"}
    page = flashes(client)
    assert "新开 2 个班" in page and "读取的是工作表“2027春季”，表头在第 3 行。" in page
    assert "跳过了 1 行模板示例" in page and "跳过了 1 行合计。" in page


def test_no_header_anywhere_is_one_message_saying_what_to_change(client, login_as, school):
    login_as("institution", institution=school)
    book = Workbook()
    book.active.append(["班级计划"])
    book.active.append(["书法", "周三", "9:00"])
    html = upload(client, saved(book), "x.xlsx").get_data(as_text=True)
    assert html.count("<li data-row=") == 1
    assert "第 1 行“表头”：前 20 行里没有找到表头。请用下载的模板：表头一行写列名（开班编号、课程名称" in html


def test_a_header_present_twice_is_refused_naming_both_columns(client, login_as, school):
    login_as("institution", institution=school)
    book = Workbook()
    sheet = book.active
    # Last term's 名额 column was hidden, not deleted, and a new one added further right.
    headers = [*imports.HEADERS[:10], "名额", *imports.HEADERS[10:]]
    sheet.append(headers)
    sheet.append([*row_of()[:10], 15, *row_of(名额="30")[10:]])
    sheet.column_dimensions["K"].hidden = True
    html = upload(client, saved(book), "x.xlsx").get_data(as_text=True)
    assert "第 1 行“名额”：这一列出现了两次（K 列和 L 列，隐藏的列也算）；请删掉不用的那一列后再导入" in html
    assert db.session.scalar(select(func.count(Offering.id))) == 0


def test_cells_as_chinese_excel_and_offices_write_them(client, login_as, school):
    login_as("institution", institution=school)
    make_town("乍浦镇")
    db.session.commit()
    headers = [
        "开班编号",
        "课程名称",
        "类别",
        "镇（街道）",
        "上课地点",
        "开始日期",
        "结束日期",
        "星期",
        "开始时间",
        "结束时间",
        "名额（人）",
        "费用（元）",
        "报名截止",
    ]
    start, end, deadline = dt.date(2027, 3, 6), dt.date(2027, 5, 29), dt.date(2027, 2, 27)
    eight, half_eleven = dt.time(8, 0), dt.time(11, 30)
    serial = (start - dt.date(1899, 12, 30)).days  # what a General-formatted date cell holds
    rows = [
        # dates and times in Chinese Excel's built-in formats (2027年3月6日, 8时00分): numbers to a reader
        ["A-1", "书法", "社区与兴趣", "乍浦", "文化站", start, end, "Sat", eight, half_eleven, 20, "免费", deadline],
        # plain serials and a day fraction; 上午/下午; Saturday; ￥1,200元
        [
            "A-2",
            "国画",
            "社区与兴趣",
            "乍浦镇",
            "文化站",
            serial,
            serial + 84,
            "Saturday",
            "上午8:00",
            "下午1:30",
            20,
            "￥1,200元",
            None,
        ],
        # one cell for both times; 每周六; "1200.00" as text; 8:00:00
        [
            "A-3",
            "摄影",
            "社区与兴趣",
            "当湖",
            "礼堂",
            "2027-03-06",
            "2027/5/29",
            "每周六",
            "8:00-11:30",
            None,
            "30人",
            "1200.00",
            None,
        ],
        [
            "A-4",
            "合唱",
            "社区与兴趣",
            "当湖街道",
            "礼堂",
            "2027年3月6日",
            "2027.5.29",
            "周六",
            "8:00:00",
            "11:30:00",
            30,
            300,
            None,
        ],
        ["Ａ－５", "太极拳", "社区与兴趣", "钟埭", "广场", start, end, "星期六", eight, half_eleven, 30, 0, None],
    ]
    with chinese_excel():
        book = Workbook()
        book.active.append(headers)
        for row in rows:
            book.active.append(row)
        for number, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                cell = book.active.cell(number, column)
                if isinstance(value, dt.date):
                    cell.number_format = CHINESE_FORMATS[31]
                elif isinstance(value, dt.time):
                    cell.number_format = CHINESE_FORMATS[32 if column == 9 else 55]
        data = saved(book)
    from openpyxl import load_workbook as read

    as_read = [c.value for c in next(read(io.BytesIO(data), read_only=True).active.iter_rows(min_row=2))]
    assert as_read[5] == serial and isinstance(as_read[8], float), "the dates really arrive as numbers"
    response = upload(client, data, "x.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)
    classes = {o.code: o for o in db.session.scalars(select(Offering))}
    assert set(classes) == {"A-1", "A-2", "A-3", "A-4", "A-5"}, "Ａ－５ is A-5"
    for offering in classes.values():
        assert (offering.start_date, offering.end_date, offering.weekday) == (start, end, 6)
        assert offering.sessions and all(s.date.isoweekday() == 6 for s in offering.sessions)
    assert (classes["A-1"].start_time, classes["A-1"].end_time) == (eight, half_eleven)
    assert (classes["A-2"].start_time, classes["A-2"].end_time) == (eight, dt.time(13, 30))
    assert (classes["A-3"].start_time, classes["A-3"].end_time) == (eight, half_eleven)
    assert (classes["A-4"].start_time, classes["A-4"].end_time) == (eight, half_eleven)
    assert [classes[c].fee for c in ("A-1", "A-2", "A-3", "A-4")] == [0, 1200, 1200, 300]
    assert classes["A-1"].signup_deadline == deadline and classes["A-3"].capacity == 30
    assert {classes[c].town.name for c in ("A-1", "A-2")} == {"乍浦镇"} and classes["A-3"].town.name == "当湖街道"
    assert classes["A-5"].town.name == "钟埭街道"


def test_one_cell_time_spans_in_a_column_of_their_own(client, login_as, school):
    login_as("institution", institution=school)
    headers = [h for h in imports.HEADERS if h not in ("开始时间", "结束时间")] + ["上课时间"]
    row = [v for h, v in zip(imports.HEADERS, row_of(), strict=True) if h not in ("开始时间", "结束时间")]
    html = upload(client, as_csv([headers, [*row, "下午1:30~4:30"]]), "x.csv")
    assert html.status_code == 303, html.get_data(as_text=True)
    offering = db.session.scalar(select(Offering))
    assert (offering.start_time, offering.end_time) == (dt.time(13, 30), dt.time(16, 30))
    bad = upload(client, as_csv([headers, [*row, "下午"]]), "x.csv").get_data(as_text=True)
    assert "第 2 行“上课时间”：看不懂“下午”，请按 08:30-11:30 的样子填写上课时间" in bad


def test_what_is_still_refused_says_what_to_write(client, login_as, school):
    login_as("institution", institution=school)
    make_town("新仓镇")
    make_town("新仓街道")
    db.session.commit()
    rows = [
        imports.HEADERS,
        row_of(开班编号="B-1", **{"镇/街道": "新仓"}),
        row_of(开班编号="B-2", 费用="1200.50", 开始时间="8"),
        row_of(开班编号="B-3", 星期="Funday", 名额="三十"),
    ]
    html = upload(client, as_csv(rows), "x.csv").get_data(as_text=True)
    assert "第 2 行“镇/街道”：“新仓”可能是 新仓镇、新仓街道，请写全名" in html
    assert "第 3 行“费用”：“1200.50”不是金额，请填整数元，例如 300；免费的填 0" in html
    assert "第 3 行“开始时间”：看不懂“8”，请按 08:30 的样子填写时间" in html
    assert "第 4 行“星期”：看不懂“Funday”" in html and "第 4 行“名额”：“三十”不是人数" in html


def test_full_width_codes_update_the_class_they_name(client, login_as, school):
    login_as("institution", institution=school)
    assert upload(client, as_csv([imports.HEADERS, row_of(开班编号="DQ-2026-01")]), "a.csv").status_code == 303
    again = upload(client, as_csv([imports.HEADERS, row_of(开班编号="ＤＱ－２０２６－０１", 名额="35")]), "a.csv")
    assert again.status_code == 303
    assert db.session.scalar(select(func.count(Offering.id))) == 1
    assert db.session.scalar(select(Offering.capacity)) == 35


def test_an_import_moves_the_waitlist_up_texts_a_new_weekday_and_audits_each_class(client, app, login_as, school):
    staff = login_as("institution", institution=school)
    other = row_of(开班编号="E-2", 课程名称="电工（中级）", 等级="中级")
    first = [imports.HEADERS, row_of(开班编号="E-1", 名额="1"), other]
    assert upload(client, as_csv(first), "a.csv").status_code == 303
    offering = db.session.scalar(select(Offering).where(Offering.code == "E-1"))
    enrol(offering, "13800000001")
    waiting = enrol(offering, "13800000002", name="李强")
    db.session.commit()
    assert waiting.status == "waitlisted"
    outbox = app.extensions["sms"].outbox
    outbox.clear()
    second = [imports.HEADERS, row_of(开班编号="E-1", 名额="2", 星期="星期六"), first[2]]
    response = upload(client, as_csv(second), "b.csv")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Enrolment, waiting.id).status == "confirmed", "more places move people up"
    days = db.session.scalars(select(Session.date).where(Session.offering_id == offering.id)).all()
    assert days and {d.isoweekday() for d in days} == {6}
    texts = {phone: text for phone, text in outbox}
    assert set(texts) == {"13800000001", "13800000002"}
    assert any("上课时间改了" in text and "每星期六 08:30–11:30" in text for _phone, text in outbox)
    assert any("有名额了" in text for _phone, text in outbox)
    page = flashes(client)
    assert "1 位候补学员已转为正式报名" in page and "已短信通知 2 位学员" in page
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "offering")).all()
    created = [a for a in audits if a.action == "offering.create"]
    updated = [a for a in audits if a.action == "offering.update"]
    assert len(created) == 2 and all(a.actor_id == staff.id and a.details["before"] is None for a in created)
    assert len(updated) == 1, "the class the second file left as it was is not audited as changed"
    assert updated[0].target_id == offering.id and updated[0].details["import"] == "b.csv"
    assert updated[0].details["before"] == {"weekday": 7, "capacity": 1}
    assert updated[0].details["after"] == {"weekday": 6, "capacity": 2}


def test_a_csv_with_a_title_line_above_its_header(client, login_as, school):
    login_as("institution", institution=school)
    rows = [["2027 年春季开班计划"], [], imports.HEADERS, row_of(开班编号="C-1"), ["合计：1 个班"]]
    assert upload(client, as_csv(rows), "plan.csv").status_code == 303
    page = flashes(client)
    assert "新开 1 个班" in page and "表头在第 3 行。" in page and "跳过了 1 行合计。" in page
