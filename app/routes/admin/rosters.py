"""花名册 and 签到表: a class's people with a place, on screen and printed as a sign-in sheet with a
column per session, attendance recorded back from it one session at a time; and the spreadsheet
exports of a class's sheet, every enrolment (an institution's own, or all for the bureau) and every
need (the bureau's).

The class's own institution and the bureau see whole phone numbers: they run the class."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import labels
from app.auth import role_required
from app.extensions import db
from app.forms import admin as forms
from app.htmx import redirect_to, render
from app.models import Outcome
from app.routes.admin import ADMIN, FMT, STAFF, bp, form_page, get_offering, get_session, own_institution_id, stream
from app.services import attendance, exports


@bp.get("/offerings/<int:offering_id>/roster")
@role_required(*STAFF)
def roster(offering_id: int):
    offering = get_offering(offering_id)
    sheet = attendance.sheet(offering)
    ids = [e.id for e in sheet.people]
    done = set(db.session.scalars(select(Outcome.enrolment_id).where(Outcome.enrolment_id.in_(ids))))
    return render("admin/roster.html", offering=offering, sheet=sheet, done=done, statuses=labels.ENROLMENT_STATUSES)


@bp.get(f"/offerings/<int:offering_id>/roster.{FMT}")
@role_required(*STAFF)
def roster_export(offering_id: int, fmt: str):
    offering = get_offering(offering_id)
    export = exports.roster_export(current_user, offering, full_phone=True, fmt=fmt)
    db.session.commit()
    return stream(export, fmt)


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@role_required(*STAFF)
def session_attendance(session_id: int):
    """Who came to one session, ticked from the sign-in sheet."""
    session = get_session(session_id)
    sheet = attendance.sheet(session.offering)
    form = forms.AttendanceForm(people=sheet.people)
    if request.method == "GET":
        form.present.data = [e.id for e in sheet.people if sheet.mark(e, session)]
    if form.validate_on_submit():
        counted = attendance.record(session, set(form.present.data or []), current_user)
        db.session.commit()
        flash(_("已登记 %(date)s 的出勤：%(present)s / %(of)s 人。", date=session.date.isoformat(), **counted))
        return redirect_to(url_for("admin.roster", offering_id=session.offering_id))
    back = url_for("admin.roster", offering_id=session.offering_id)
    title = _("登记出勤：%(name)s %(date)s", name=session.offering.title, date=session.date.isoformat())
    return form_page(form, title, back, meeting=session)


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
