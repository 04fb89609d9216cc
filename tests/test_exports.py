"""Exports at county scale: streamed in constant memory, dates as dates, codes as words, phones as
text in CSV too, widths and a frozen header, and every export of personal data audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tracemalloc
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import xlsx
from app.extensions import db
from app.models import AuditEntry, Need, Resident
from app.services import exports
from tests.factories import make_town


def make_need(town, phone: str, **fields) -> Need:
    resident = Resident(phone=phone, name="王芳", town_id=town.id, consent_method="survey")
    db.session.add(resident)
    db.session.flush()
    values = dict(
        ref=uuid.uuid4().hex,
        submission_id=uuid.uuid4().hex,
        resident_id=resident.id,
        kind="skill",
        target="电工",
        town_id=town.id,
        weekdays="6,7",
        times="morning,evening",
        source="survey",
        created_at=dt.datetime(2026, 9, 30, 17, 5, tzinfo=dt.UTC),
    )
    need = Need(**{**values, **fields})
    db.session.add(need)
    db.session.flush()
    return need


def test_the_needs_export_in_words_with_real_dates_and_phones_as_text(client, login_as):
    town = make_town("新埭镇")
    make_need(town, "13812345678")
    make_need(town, "13912345678", kind="community", target="烘焙", unmet=True, status="matched", source="assisted")
    admin = login_as("admin")
    response = client.get("/admin/exports/needs.xlsx")
    assert response.headers["Content-Disposition"] == "attachment; filename=needs.xlsx"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "需求" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L3"
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["姓名", "手机号码", "镇/街道", "类别", "想学"] and all(c.font.b for c in sheet[1])
    first = [c.value for c in sheet[2]]
    assert first[1] == "13812345678" and sheet["B2"].number_format == "@"
    assert first[3:5] == ["技能提升", "电工"] and first[6] == "星期六、星期日" and first[7] == "上午、晚上"
    assert first[8:11] == ["新登记", "否", "入户调查"]
    # 30 September 17:05 UTC is 1 October 01:05 in the county, and a real date-time
    assert first[11] == dt.datetime(2026, 10, 1, 1, 5) and sheet["L2"].number_format == "yyyy-mm-dd hh:mm"
    assert [c.value for c in sheet[3]][8:11] == ["已匹配到课程", "是", "社区工作者代登记"]
    assert sheet.column_dimensions["E"].width >= 20, "wide enough for what people want to learn"

    text = client.get("/admin/exports/needs.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "\t13812345678" and rows[1][11] == "2026-10-01 01:05"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.needs")).all()
    assert [(e.actor_id, e.details["format"], e.details["full_phone"]) for e in entries] == [
        (admin.id, "xlsx", True),
        (admin.id, "csv", True),
    ]


def test_the_english_export_speaks_english(client, login_as):
    make_need(make_town("新埭镇"), "13812345678")
    login_as("admin")
    client.get("/lang/en")
    rows = list(csv.reader(io.StringIO(client.get("/admin/exports/needs.csv").data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Name", "Mobile number"] and rows[1][3] == "Skills upgrade"
    assert rows[1][6:9] == ["Saturday, Sunday", "Morning, Evening", "New"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_is_written_in_constant_memory(fmt):
    """Ten times the rows, the same memory: 6,000 and 60,000 rows hold the same couple of megabytes
    at most (the zip's compressor and one batch of rows), however big the file grows."""
    moment = dt.datetime(2026, 11, 1, 8, 30)

    def rows(count):
        for n in range(count):
            phone = xlsx.Text(f"170{n:08d}")
            yield ["王芳芳", phone, "当湖街道", "技能提升", "电工", "星期六、星期日", "新登记", moment]

    headers = ["姓名", "手机号码", "镇/街道", "类别", "想学", "星期", "状态", "登记时间"]
    peaks, sizes = [], []
    for count in (6_000, 60_000):
        tracemalloc.start()
        try:
            sizes.append(sum(len(chunk) for chunk in exports.chunks(headers, rows(count), fmt)))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert sizes[1] > 9 * sizes[0] and sizes[1] > 1_500_000
    assert peaks[1] < peaks[0] + 300_000 and peaks[1] < 3_000_000, (sizes, peaks)


def test_the_streamed_workbook_is_what_openpyxl_reads():
    rows = [["a & <b>", 1, 2.5, True, None, dt.date(2027, 3, 6), dt.datetime(2027, 3, 6, 8, 30), xlsx.Text("0573")]]
    data = b"".join(xlsx.stream(["文字", "n", "f", "b", "空", "日期", "时间", "电话"], rows, title="表"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[2]] == [
        "a & <b>",
        1,
        2.5,
        True,
        None,
        dt.datetime(2027, 3, 6),
        dt.datetime(2027, 3, 6, 8, 30),
        "0573",
    ]
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    many = b"".join(xlsx.stream(["x"], ([n] for n in itertools.islice(itertools.count(), 1200))))
    assert load_workbook(io.BytesIO(many)).active.max_row == 1201
