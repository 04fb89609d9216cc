"""花名册: a class's people, on screen and printed, and the spreadsheet exports of a class's roster,
every enrolment (an institution's own, or all for the bureau) and every need (the bureau's).

The class's own institution and the bureau see whole phone numbers: they run the class."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from app import labels
from app.auth import role_required
from app.extensions import db
from app.htmx import render
from app.models import Outcome
from app.routes.admin import ADMIN, FMT, STAFF, bp, download, get_offering, own_institution_id, stream
from app.services import exports


@bp.get("/offerings/<int:offering_id>/roster")
@role_required(*STAFF)
def roster(offering_id: int):
    offering = get_offering(offering_id)
    people = exports.roster(offering, full_phone=True)
    done = set(db.session.scalars(select(Outcome.enrolment_id).where(Outcome.enrolment_id.in_([e.id for e in people]))))
    return render("admin/roster.html", offering=offering, people=people, done=done, statuses=labels.ENROLMENT_STATUSES)


@bp.get(f"/offerings/<int:offering_id>/roster.{FMT}")
@role_required(*STAFF)
def roster_export(offering_id: int, fmt: str):
    offering = get_offering(offering_id)
    headers, rows = exports.roster_table(offering, full_phone=True)
    return download(exports.table(headers, rows, fmt), fmt, f"roster-{offering.id}")


@bp.get(f"/exports/enrolments.{FMT}")
@role_required(*STAFF)
def export_enrolments(fmt: str):
    export = exports.enrolments_export(current_user, own_institution_id(), full_phone=True, fmt=fmt)
    db.session.commit()
    return stream(export, fmt)


@bp.get(f"/exports/needs.{FMT}")
@role_required(*ADMIN)
def export_needs(fmt: str):
    export = exports.needs_export(current_user, full_phone=True, fmt=fmt)
    db.session.commit()
    return stream(export, fmt)
