"""Tables out: XLSX (openpyxl, streamed write-only) and CSV with a UTF-8 BOM so Excel shows Chinese.

Also the headers and rows of the roster, enrolment, need and 驾驶舱 exports (each `*_table()` returns
both); the routes choose who may see phones."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import labels
from app.extensions import db
from app.models import Enrolment, EnrolmentStatus, Need, Offering, Resident, Town, mask_phone
from app.services import dashboard

Table = tuple[list[str], Iterable[Sequence]]  # headers, rows

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
FORMATS = tuple(MIME)


def _cell(value):
    """Text that starts like a formula is written as text (no spreadsheet injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def table(headers: Sequence[str], rows: Iterable[Sequence], fmt: str, title: str = "Sheet1") -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else _cell(v) for v in row])
        return out.getvalue().encode("utf-8-sig")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster(offering: Offering, full_phone: bool) -> list[Enrolment]:
    """A class's people with a place or waiting, confirmed first, in the order they signed up."""
    order = {
        EnrolmentStatus.CONFIRMED: 0,
        EnrolmentStatus.INTENT: 1,
        EnrolmentStatus.COMPLETED: 2,
        EnrolmentStatus.RECEIVED: 3,
        EnrolmentStatus.WAITLISTED: 4,
    }
    people = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.offering_id == offering.id, Enrolment.status != EnrolmentStatus.CANCELLED)
        .options(selectinload(Enrolment.resident))
        .order_by(Enrolment.id)
    )
    return sorted(people, key=lambda e: (order.get(e.status, 9), e.draw_rank or 0, e.id))


ROSTER_HEADERS = [_l("序号"), _l("姓名"), _l("手机号码"), _l("报名号"), _l("状态"), _l("签到")]
ENROLMENT_HEADERS = [_l("开班编号"), _l("报名号"), _l("姓名"), _l("手机号码"), _l("状态"), _l("来源"), _l("报名时间")]
NEED_HEADERS = [
    _l("姓名"),
    _l("手机号码"),
    _l("镇/街道"),
    _l("类别"),
    _l("想学"),
    _l("星期"),
    _l("状态"),
    _l("暂无合适课程"),
    _l("来源"),
    _l("登记时间"),
]


def roster_table(offering: Offering, full_phone: bool) -> Table:
    """The printed roster: one row per person, with an empty column to sign in."""
    rows = (
        [n, e.resident.name, phone(e.resident, full_phone), e.code, str(labels.ENROLMENT_STATUSES[e.status]), ""]
        for n, e in enumerate(roster(offering, full_phone), start=1)
    )
    return [str(h) for h in ROSTER_HEADERS], rows


def enrolments_table(institution_id: int | None, full_phone: bool) -> Table:
    rows = enrolment_rows(institution_id, labels.ENROLMENT_STATUSES, full_phone)
    return [str(h) for h in ENROLMENT_HEADERS], rows


def needs_table(full_phone: bool) -> Table:
    return [str(h) for h in NEED_HEADERS], need_rows(labels.KINDS, full_phone)


DASHBOARD_TABLES = ("demand", "supply", "gaps", "funnel", "trends", "incentives")


def dashboard_table(table: str, data: Mapping[str, Any]) -> Table:
    """One of the 驾驶舱's tables (`table` in DASHBOARD_TABLES) from its figures: `data` holds
    app.services.dashboard's demand, supply and seats grids, gaps, funnel, trends and money."""
    kinds = dashboard.KINDS
    kind_names = [str(labels.KINDS[k]) for k in kinds]
    if table in ("demand", "supply"):
        grid = data[table]
        headers = [_("镇/街道"), *kind_names, _("合计")]
        rows = [[name, *(grid.get(t, k) for k in kinds), grid.row_total(t)] for t, name in grid.towns]
        if table == "supply":
            headers.append(_("名额"))
            for row, (t, _name) in zip(rows, grid.towns, strict=True):
                row.append(data["seats"].row_total(t))
    elif table == "gaps":
        headers = [_("镇/街道"), _("类别"), _("想学"), _("人数"), _("建议")]
        rows = [[g.town, str(labels.KINDS[g.kind]), g.target, g.count, labels.gap_suggestion(g)] for g in data["gaps"]]
    elif table == "funnel":
        headers = [_("环节"), _("数量")]
        rows = [[str(labels.FUNNEL_STAGES[s.key]), s.count] for s in data["funnel"]]
    elif table == "trends":
        headers = [_("月份"), _("登记需求"), _("报名上课"), _("结业或取证")]
        rows = [[m.start.strftime("%Y-%m"), m.needs, m.enrolments, m.outcomes] for m in data["trends"]]
    else:
        headers = [_("类别"), _("人次"), _("应发（元）"), _("已发（元）"), _("待发（元）")]
        rows = [[str(labels.OUTCOME_KINDS[m.kind]), m.count, m.owed, m.paid, m.unpaid] for m in data["money"]]
    return headers, rows


def phone(resident: Resident, full: bool) -> str:
    return resident.phone if full else mask_phone(resident.phone)


def enrolment_rows(institution_id: int | None, statuses: dict, full_phone: bool) -> Iterable[list]:
    """Every sign-up of an institution's classes (all institutions for the bureau), streamed."""
    query = (
        select(Enrolment, Offering, Resident)
        .join(Offering, Enrolment.offering_id == Offering.id)
        .join(Resident, Enrolment.resident_id == Resident.id)
        .order_by(Offering.code, Enrolment.id)
    )
    if institution_id is not None:
        query = query.where(Offering.institution_id == institution_id)
    for enrolment, offering, resident in db.session.execute(query.execution_options(yield_per=2000)):
        yield [
            offering.code,
            enrolment.code,
            resident.name,
            phone(resident, full_phone),
            str(statuses.get(enrolment.status, enrolment.status)),
            enrolment.source,
            _local(enrolment.created_at),
        ]


def need_rows(kinds: dict, full_phone: bool) -> Iterable[list]:
    query = (
        select(Need, Resident, Town.name)
        .join(Resident, Need.resident_id == Resident.id)
        .outerjoin(Town, Need.town_id == Town.id)
        .order_by(Need.id)
        .execution_options(yield_per=5000)
    )
    for need, resident, town in db.session.execute(query):
        yield [
            resident.name,
            phone(resident, full_phone),
            town or "",
            str(kinds.get(need.kind, need.kind)),
            need.target,
            need.weekdays,
            need.status,
            "是" if need.unmet else "否",
            need.source,
            _local(need.created_at),
        ]


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
