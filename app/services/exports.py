"""Tables out: XLSX (app/xlsx.py, streamed) and CSV with a UTF-8 BOM so Excel shows Chinese.

Both are produced while the rows are read from the database (`chunks`), in constant memory, so a
county's 120,000 needs leave in seconds. Dates are real dates in XLSX (and ISO text in CSV); stored
codes (status, source, kind, weekdays) are written as words in the reader's language; phone numbers
are text in both: in XLSX a text cell, in CSV a leading tab, which Excel and LibreOffice both read
as text (a bare 13812345678 becomes a number, and longer numbers 1.38E+10).

Also the headers and rows of the roster, enrolment, need and 驾驶舱 exports (each `*_table()` or
`*_export()` returns them); the routes choose who may see phones. Every export of personal data
(rosters, enrolments, needs) writes an audit entry when it is asked for."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app import labels, xlsx
from app.clock import TZ
from app.extensions import db
from app.i18n import weekday_name
from app.models import (
    Enrolment,
    Institution,
    Need,
    Offering,
    Programme,
    Resident,
    Town,
    User,
    mask_phone,
)
from app.services import dashboard, staff

Table = tuple[list[str], Iterable[Sequence]]  # headers, rows

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FORMATS = tuple(MIME)
CSV_ROWS_PER_CHUNK = 1000


@dataclass
class Export:
    """A table to stream: its headers, rows (read lazily), column widths and names."""

    headers: list[str]
    rows: Iterable[Sequence]
    name: str  # the file's name, without the extension
    title: str = "Sheet1"  # the sheet's name
    widths: list[float] | None = None
    meta: dict = field(default_factory=dict)


def _cell(value):
    """Text that starts like a formula is written as text (no spreadsheet injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, xlsx.Text):
        return "\t" + value  # read as text by Excel and LibreOffice; see the module's note
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return _cell(value)


def chunks(headers: Sequence[str], rows: Iterable[Sequence], fmt: str, title: str = "Sheet1", widths=None):
    """The file's bytes, a chunk at a time, as the rows are read."""
    if fmt == "csv":
        return _csv_chunks(headers, rows)
    safe = ([_cell(v) if isinstance(v, str) and not isinstance(v, xlsx.Text) else v for v in row] for row in rows)
    return xlsx.stream([str(h) for h in headers], safe, title=title, widths=widths)


def _csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(h) for h in headers])
    yield "\ufeff".encode() + out.getvalue().encode()
    out.seek(0)
    out.truncate()
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if n % CSV_ROWS_PER_CHUNK == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def table(headers: Sequence[str], rows: Iterable[Sequence], fmt: str, title: str = "Sheet1") -> bytes:
    """A small table's whole file (the template, the 驾驶舱's tables)."""
    return b"".join(chunks(headers, rows, fmt, title))


def export_chunks(export: Export, fmt: str) -> Iterator[bytes]:
    return chunks(export.headers, export.rows, fmt, title=export.title, widths=export.widths)


def audit_export(actor: User, what: str, fmt: str, full_phone: bool, **scope) -> None:
    """An export of personal data is recorded: who, what, in which format, with whole numbers or not."""
    staff.audit(actor, f"export.{what}", "export", None, format=fmt, full_phone=full_phone, **scope)
    db.session.flush()


def _words(mapping: Mapping) -> dict:
    """A label dict resolved once, for an export's many rows."""
    return {key: str(value) for key, value in mapping.items()}


def local_time(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC moment as the county's wall-clock time, without a zone (spreadsheets have none)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(TZ).replace(tzinfo=None)


ROSTER_HEADERS = [_l("序号"), _l("姓名"), _l("手机号码"), _l("报名号"), _l("状态"), _l("签到")]
ENROLMENT_HEADERS = [
    _l("开班编号"),
    _l("课程名称"),
    _l("上课镇街"),
    _l("院校"),
    _l("报名号"),
    _l("姓名"),
    _l("手机号码"),
    _l("状态"),
    _l("来源"),
    _l("报名时间"),
]
ENROLMENT_WIDTHS = [14, 24, 12, 24, 12, 10, 14, 14, 14, 17]
NEED_HEADERS = [
    _l("姓名"),
    _l("手机号码"),
    _l("镇/街道"),
    _l("类别"),
    _l("想学"),
    _l("专业"),
    _l("星期"),
    _l("时段"),
    _l("状态"),
    _l("暂无合适课程"),
    _l("来源"),
    _l("登记时间"),
]
NEED_WIDTHS = [10, 14, 12, 12, 20, 14, 24, 14, 14, 12, 18, 17]


def roster_export(actor: User, offering: Offering, full_phone: bool, fmt: str) -> Export:
    """The sign-in sheet as a spreadsheet: the people with a place, a column per session held (✓ came,
    ✗ did not, empty while not recorded), sessions attended; those waiting below, apart. Audited."""
    from app.services import attendance

    audit_export(actor, "roster", fmt, full_phone, offering_id=offering.id)
    sheet = attendance.sheet(offering)
    statuses = _words(labels.ENROLMENT_STATUSES)
    days = [f"{s.date.month}/{s.date.day}" for s in sheet.sessions]
    headers = [*(str(h) for h in ROSTER_HEADERS[:5]), *days, _("出勤")]

    def rows():
        for n, e in enumerate(sheet.people, start=1):
            marks = [sheet.mark(e, s) for s in sheet.sessions]
            ticks = ["" if m is None else ("✓" if m else "✗") for m in marks]
            yield [
                n,
                e.resident.name,
                phone_cell(e.resident.phone, full_phone),
                e.code,
                statuses[e.status],
                *ticks,
                sum(1 for m in marks if m),
            ]
        yield [
            _("合计"),
            ngettext("%(num)s 人", "%(num)s 人", len(sheet.people)),
            None,
            None,
            None,
            *(sheet.present(s) for s in sheet.sessions),
            None,
        ]
        if sheet.waiting:
            yield []
            yield [_("候补和待定（不在签到表上）")]
            for n, e in enumerate(sheet.waiting, start=1):
                yield [n, e.resident.name, phone_cell(e.resident.phone, full_phone), e.code, statuses[e.status]]

    widths = [6, 10, 14, 12, 12, *(6 for _d in days), 6]
    return Export(headers, rows(), name=f"roster-{offering.id}", title=offering.code, widths=widths)


def enrolments_export(actor: User, institution_id: int | None, full_phone: bool, fmt: str) -> Export:
    """Every sign-up of an institution's classes (all institutions' for the bureau), audited."""
    audit_export(actor, "enrolments", fmt, full_phone, institution_id=institution_id)
    return Export(
        [str(h) for h in ENROLMENT_HEADERS],
        enrolment_rows(institution_id, full_phone),
        name="enrolments",
        title=_("报名"),
        widths=ENROLMENT_WIDTHS,
    )


def needs_export(actor: User, full_phone: bool, fmt: str) -> Export:
    """Every need, with who reported it (the bureau's), audited."""
    audit_export(actor, "needs", fmt, full_phone)
    return Export(
        [str(h) for h in NEED_HEADERS], need_rows(full_phone), name="needs", title=_("需求"), widths=NEED_WIDTHS
    )


DASHBOARD_TABLES = ("demand", "supply", "seats", "gaps", "funnel", "trends", "incentives")


def dashboard_table(table: str, data: Mapping[str, Any]) -> Table:
    """One of the 驾驶舱's tables (`table` in DASHBOARD_TABLES) from its figures, one unit each (in
    the last header): `data` holds app.services.dashboard's demand, supply and seats grids, gaps,
    funnel, trends and money."""
    kinds = dashboard.KINDS
    kind_names = [str(labels.KINDS[k]) for k in kinds]
    if table in ("demand", "supply", "seats"):
        grid = data[table]
        unit = {"demand": _("合计（人次）"), "supply": _("合计（个班）"), "seats": _("合计（人次）")}[table]
        headers = [_("镇/街道"), *kind_names, unit]
        rows = [[name, *(grid.get(t, k) for k in kinds), grid.row_total(t)] for t, name in grid.towns]
        rows.append([_("合计"), *(grid.col_total(k) for k in kinds), grid.total])
    elif table == "gaps":
        headers = [_("镇/街道"), _("类别"), _("开哪门课"), _("想学（居民的原话）"), _("建议"), _("人数（人）")]
        rows = [
            [
                g.town,
                str(labels.KINDS[g.kind]),
                g.target if g.programmes else "",
                _("、").join(g.targets),
                labels.gap_suggestion(g),
                g.count,
            ]
            for g in data["gaps"]
        ]
    elif table == "funnel":
        headers = [_("环节"), _("人数（人）")]
        rows = [[str(labels.FUNNEL_STAGES[s.key]), s.count] for s in data["funnel"]]
    elif table == "trends":
        headers = [_("月份"), _("登记需求（人次）"), _("报名上课（人次）"), _("结业或取证（人次）")]
        rows = [[m.start.strftime("%Y-%m"), m.needs, m.enrolments, m.outcomes] for m in data["trends"]]
    else:
        headers = [_("类别"), _("应发（元）"), _("已发（元）"), _("待发（元）")]
        rows = [[str(labels.OUTCOME_KINDS[m.kind]), m.owed, m.paid, m.unpaid] for m in data["money"]]
    return headers, rows


def phone(resident: Resident, full: bool) -> str:
    return resident.phone if full else mask_phone(resident.phone)


def phone_cell(number: str, full: bool) -> xlsx.Text:
    """A phone number as a text cell: whole, or masked (138****5678)."""
    return xlsx.Text(number if full else mask_phone(number))


def enrolment_rows(institution_id: int | None, full_phone: bool) -> Iterator[list]:
    """Every sign-up of an institution's classes (all institutions for the bureau), read in batches:
    columns, not objects, so 120,000 rows hold only a batch in memory."""
    statuses, sources = _words(labels.ENROLMENT_STATUSES), _words(labels.ENROLMENT_SOURCES)
    query = (
        select(
            Offering.code,
            Programme.name,
            Town.name,
            Institution.name,
            Enrolment.code,
            Resident.name,
            Resident.phone,
            Enrolment.status,
            Enrolment.source,
            Enrolment.created_at,
        )
        .select_from(Enrolment)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Programme, Offering.programme_id == Programme.id)
        .join(Town, Offering.town_id == Town.id)
        .join(Institution, Offering.institution_id == Institution.id)
        .join(Resident, Enrolment.resident_id == Resident.id)
        .order_by(Offering.code, Enrolment.id)
    )
    if institution_id is not None:
        query = query.where(Offering.institution_id == institution_id)
    for row in db.session.execute(query.execution_options(yield_per=2000)):
        code, programme, town, institution, ref, name, number, status, source, created = row
        yield [
            code,
            programme,
            town,
            institution,
            ref,
            name,
            phone_cell(number, full_phone),
            statuses.get(status, status),
            sources.get(source, source),
            local_time(created),
        ]


def need_rows(full_phone: bool) -> Iterator[list]:
    kinds, statuses = _words(labels.KINDS), _words(labels.NEED_STATUSES)
    sources, times = _words(labels.NEED_SOURCES), _words(labels.TIMES_OF_DAY)
    yes, no, comma = _("是"), _("否"), _("、")
    days: dict[str, str] = {}
    query = (
        select(
            Resident.name,
            Resident.phone,
            Town.name,
            Need.kind,
            Need.target,
            Need.major,
            Need.weekdays,
            Need.times,
            Need.status,
            Need.unmet,
            Need.source,
            Need.created_at,
        )
        .select_from(Need)
        .join(Resident, Need.resident_id == Resident.id)
        .outerjoin(Town, Need.town_id == Town.id)
        .order_by(Need.id)
        .execution_options(yield_per=5000)
    )
    for name, number, town, kind, target, major, weekdays, when, status, unmet, source, created in db.session.execute(
        query
    ):
        if weekdays not in days:
            days[weekdays] = comma.join(
                weekday_name(int(d)) for d in weekdays.split(",") if d.isdecimal() and 0 < int(d) < 8
            )
        yield [
            name,
            phone_cell(number, full_phone),
            town or "",
            kinds.get(kind, kind),
            target,
            major or "",
            days[weekdays],
            comma.join(times.get(t, t) for t in when.split(",") if t),
            statuses.get(status, status),
            yes if unmet else no,
            sources.get(source, source),
            local_time(created),
        ]
