"""Community workers: today's work, finding residents, entering needs for them (with read-back)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth import role_required
from app.clock import TZ, now, today
from app.extensions import db
from app.forms.needs import AssistedNeedForm
from app.htmx import redirect_to, render
from app.i18n import weekday_name
from app.models import CallbackRequest, Need, Resident, ResidentConflict
from app.routes.needs import suggestions
from app.services import callbacks, catalogue, needs, residents

bp = Blueprint("worker", __name__, url_prefix="/worker")
WORKER = ("worker",)


@bp.after_request
def no_store(response):
    """A shared phone: no worker page is kept in the browser's cache or back-forward cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def can_see_full_number(resident: Resident) -> bool:
    """A worker sees the whole phone number of residents of their own town only."""
    return current_user.town_id is not None and resident.town_id == current_user.town_id


@bp.get("/")
@role_required(*WORKER)
def index():
    start = dt.datetime.combine(today(), dt.time(0), TZ)
    mine = list(
        db.session.scalars(
            select(Need)
            .where(Need.entered_by_id == current_user.id, Need.created_at >= start)
            .order_by(Need.created_at.desc())
        )
    )
    conflicts = db.session.scalar(
        select(func.count(ResidentConflict.id))
        .join(Resident)
        .where(Resident.town_id == current_user.town_id, ResidentConflict.resolved_at.is_(None))
    )
    return render(
        "worker/index.html", entries=mine, conflicts=conflicts, callbacks=callbacks.waiting(current_user.town_id)
    )


@bp.post("/callbacks/<int:callback_id>/done")
@role_required(*WORKER)
def callback_done(callback_id: int):
    callback = db.session.get(CallbackRequest, callback_id)
    if callback is None or callback.town_id != current_user.town_id:
        abort(404)
    callbacks.mark_handled(callback, current_user, now())
    db.session.commit()
    return redirect_to(url_for("worker.index"))


@bp.get("/residents")
@role_required(*WORKER)
def find_residents():
    query = request.args.get("q", "")[:40]
    found = residents.search(query) if query.strip() else []
    return render(
        "worker/residents.html", fragment="results", query=query, found=found, full_number=can_see_full_number
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@role_required(*WORKER)
def new_need():
    """Fill in → read back to the resident → confirm and save → a clean form for the next resident."""
    form = AssistedNeedForm(catalogue.towns(), {day: weekday_name(day) for day in range(1, 8)})
    if request.method == "GET":
        form.town.data = str(current_user.town_id or "")
    step = request.form.get("step")
    if request.method == "POST" and step != "edit" and form.validate_on_submit():
        if step == "confirm":
            need = needs.report(
                form.person(),
                form.wish(),
                submission_id=form.submission_id.data,
                today=today(),
                source="assisted",
                consent_method=form.consent_method.data,
                entered_by=current_user,
            )
            db.session.commit()
            return redirect_to(url_for("worker.need_saved", ref=need.ref))
        return render("worker/readback.html", form=form, lines=form.readback())
    failed = request.method == "POST" and step != "edit"
    return render(
        "worker/need_form.html",
        fragment="form",
        form=form,
        suggestions=suggestions(form.kind.data),
        status=422 if failed else 200,
    )


@bp.get("/needs/<ref>/saved")
@role_required(*WORKER)
def need_saved(ref: str):
    need = needs.by_ref(ref)
    if need is None or need.entered_by_id != current_user.id:
        abort(404)
    return render("worker/saved.html", need=need, saved_at=now())
