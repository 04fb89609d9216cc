"""开班: an institution's classes (offerings), their sign-up status, and single sessions (一次课)
moved or cancelled, which texts everyone with a place or waiting."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from app import labels
from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms import admin as forms
from app.htmx import redirect_to, render
from app.i18n import weekday_names
from app.models import Enrolment, Offering, Programme
from app.routes.admin import (
    STAFF,
    bp,
    choose_institution,
    form_page,
    get_class_request,
    get_offering,
    get_session,
    institution_for_create,
    own_institution_id,
)
from app.services import catalogue, class_requests, classes, versions

PER_PAGE = 50


@bp.get("/offerings")
@role_required(*STAFF)
def offerings():
    page = request.args.get("page", "1")
    page = int(page) if page.isdecimal() and len(page) < 6 else 1
    query = Offering.listing()
    count = select(func.count(Offering.id))
    if own_institution_id() is not None:
        query = query.where(Offering.institution_id == own_institution_id())
        count = count.where(Offering.institution_id == own_institution_id())
    total = db.session.scalar(count) or 0
    items = db.session.scalars(
        query.order_by(Offering.start_date.desc(), Offering.id.desc()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    )
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render(
        "admin/offerings.html",
        offerings=list(items),
        total=total,
        page=page,
        pages=pages,
        today=today(),
        statuses=labels.CLASS_LIST_STATUSES,
    )


def _offering_form(offering: Offering | None, institution_id: int, title: str, back: str, asked=None):
    programmes = db.session.scalars(
        select(Programme).where(Programme.institution_id == institution_id).order_by(Programme.name)
    )
    form = forms.OfferingForm(
        obj=offering, programmes=list(programmes), towns=catalogue.towns(), weekdays=weekday_names()
    )
    if request.method == "GET" and offering is not None:
        form.programme.data, form.town.data = str(offering.programme_id), str(offering.town_id)
        form.weekdays.data = [str(day) for day in offering.days]
        form.lottery_closes.data = (day := forms.lottery_day(offering.lottery_closes_at)) and day.isoformat()
        for name in ("start_date", "end_date", "signup_deadline"):
            form[name].data = getattr(offering, name).isoformat()
        for name in ("start_time", "end_time"):
            form[name].data = getattr(offering, name).strftime("%H:%M")
    conflict = None
    if request.method == "GET" and asked is not None:  # "open this class" from the bureau's request
        form.town.data, form.capacity.data = str(asked.town_id), str(asked.people)
        form.weekdays.data = [str(day) for day in asked.weekday_list]
        named = [value for value, label in form.programme.choices if label == asked.programme]
        form.programme.data = named[0] if named else None
    if form.validate_on_submit():
        try:
            saved = classes.save_offering(
                offering, institution_id, form.values(), current_user, form.submission_id.data, form.loaded_version
            )
        except classes.ClassError as error:
            form.add_error(error.field, forms.CLASS_ERRORS[error.code](**error.params))
        except versions.Conflict as stale:
            conflict = stale
        else:
            if asked is not None and offering is None:
                class_requests.link(asked, saved, current_user)
            db.session.commit()
            flash(_("班级已保存。"))
            return redirect_to(url_for("admin.offering", offering_id=saved.id))
    return form_page(form, title, back, conflict=conflict)


@bp.route("/offerings/new", methods=["GET", "POST"])
@role_required(*STAFF)
def offering_new():
    institution = institution_for_create()
    if institution is None:
        return choose_institution(_("新开一个班"))
    wanted = request.args.get("request", "")
    asked = get_class_request(int(wanted)) if wanted.isdecimal() and len(wanted) < 10 else None
    if asked is not None and asked.institution_id != institution.id:
        abort(404)
    return _offering_form(None, institution.id, _("新开一个班"), url_for("admin.offerings"), asked)


@bp.route("/offerings/<int:offering_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def offering_edit(offering_id: int):
    offering = get_offering(offering_id)
    back = url_for("admin.offering", offering_id=offering.id)
    return _offering_form(offering, offering.institution_id, _("修改班级：%(name)s", name=offering.title), back)


@bp.get("/offerings/<int:offering_id>")
@role_required(*STAFF)
def offering(offering_id: int):
    return _offering_page(get_offering(offering_id))


def _offering_page(offering: Offering, problems: list[tuple[str, str]] | None = None, status: int = 200):
    """The class page; `problems` (message, link) on top when a change to it was refused."""
    counts = dict(
        db.session.execute(
            select(Enrolment.status, func.count())
            .where(Enrolment.offering_id == offering.id)
            .group_by(Enrolment.status)
        ).all()
    )
    return render(
        "admin/offering.html",
        offering=offering,
        counts=counts,
        statuses=labels.ENROLMENT_STATUSES,
        status_code=offering.status_code(today()),
        class_statuses=labels.CLASS_LIST_STATUSES,
        problems=problems or [],
        status=status,
    )


@bp.post("/offerings/<int:offering_id>/status")
@role_required(*STAFF)
def offering_status(offering_id: int):
    offering = get_offering(offering_id)
    form = forms.OfferingStatusForm()
    if not form.validate_on_submit():
        # No status, or one that isn't a class's: the class page, saying which button to press; nothing changed.
        problems = [
            (_("没有改状态：请点下面“报名状态”里的一个按钮（恢复报名、停止报名或取消这个班）"), "#status-actions")
        ]
        problems += [(f.errors[0], "#status-actions") for f in form if f.errors and f.name != "status"]
        db.session.rollback()
        return _offering_page(offering, problems, status=422)
    classes.set_status(offering, form.status.data, current_user)
    db.session.commit()
    flash(_("班级状态已改为：%(status)s", status=labels.OFFERING_STATUSES[form.status.data]))
    return redirect_to(url_for("admin.offering", offering_id=offering.id))


# Single sessions ---------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/change", methods=["GET", "POST"])
@role_required(*STAFF)
def session_change(session_id: int):
    session = get_session(session_id)
    form = forms.SessionChangeForm()
    if form.validate_on_submit():
        told = classes.change_session(
            session,
            form.action.data,
            current_user,
            note=form.note.data,
            date=form.date.value,
            start=form.start_time.value,
            end=form.end_time.value,
            place=form.place.data or None,
        )
        db.session.commit()
        flash(ngettext("已保存，并已短信通知 %(num)s 位学员。", "已保存，并已短信通知 %(num)s 位学员。", told))
        return redirect_to(url_for("admin.offering", offering_id=session.offering_id))
    back = url_for("admin.offering", offering_id=session.offering_id)
    title = _("调课或停课：%(name)s %(date)s", name=session.offering.title, date=session.date.isoformat())
    return form_page(form, title, back, meeting=session)
