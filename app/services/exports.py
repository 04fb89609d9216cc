"""Tables out: XLSX (openpyxl, streamed write-only) and CSV with a UTF-8 BOM so Excel shows Chinese.

Also the rows of the roster, enrolment and need exports; the routes choose who may see phones."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Enrolment, EnrolmentStatus, Need, Offering, Resident, Town, mask_phone

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
