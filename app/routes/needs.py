"""Report a learning need; the receipt is the personal learning plan."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for

from app.clock import today
from app.extensions import db
from app.forms.needs import NeedForm, StopPushForm
from app.htmx import is_htmx, personal, redirect_to, render
from app.i18n import weekday_names
from app.services import catalogue, matching, mentoring, needs, privacy, push
from app.services.catalogue import Filters

bp = Blueprint("needs", __name__)


def _form() -> NeedForm:
    form = NeedForm(catalogue.towns(), weekday_names())
    if request.method == "GET":
        # /needs/new?kind=skill&target=电工 pre-fills (links from the catalogue, the HTMX kind switch).
        form.kind.data = request.args.get("kind") if request.args.get("kind") in dict(form.kind.choices) else None
        form.target.data = request.args.get("target", "")[:60]
        form.major.data = request.args.get("major", "")[:60]
        held = request.args.get("held_level")
        form.held_level.data = held if held in dict(form.held_level.choices) else None
    return form


@bp.route("/needs/new", methods=["GET", "POST"])
def new():
    form = _form()
    if form.validate_on_submit():
        need = needs.report(form.person(), form.wish(), submission_id=form.submission_id.data, today=today())
        db.session.commit()
        return redirect_to(url_for("needs.receipt", ref=need.ref))
    fragment = "kind_fields" if request.method == "GET" and is_htmx() else "form"
    return render(
        "needs/new.html",
        fragment=fragment,
        form=form,
        suggestions=needs.target_suggestions(form.kind.data),
        status=422 if form.errors else 200,
    )


@bp.get("/needs/<ref>")
def receipt(ref: str):
    need = needs.by_ref(ref) or abort(404)
    allowed = privacy.may_profile(need.resident)
    # The mentor is a person who keeps in touch (/mentor/): when they last were.
    mentor_last = mentoring.last_contact(need.mentor, need.resident) if need.mentor else None
    if allowed and request.args.get("plain") != "1":
        plan, plain = matching.plan(need, today()), []
    else:  # PIPL art. 24: the plan without personalisation (nothing about the person used)
        filters = Filters(q=need.target, kind=need.kind)
        plan, plain = None, catalogue.find_offerings(filters, page=1, per_page=10, today=today()).items
    response = render(
        "needs/receipt.html",
        need=need,
        plan=plan,
        plain=plain,
        personalised_allowed=allowed,
        mentor_last=mentor_last,
        pushes=push.for_need(need),
        today=today(),
    )
    personal(response)  # never kept on a shared phone, never indexed
    return response


@bp.route("/needs/<ref>/stop", methods=["GET", "POST"])
def stop(ref: str):
    """The stop link of a "有您想学的课了" text: a page with one button (a link alone would be pressed
    by a phone's link preview). Pressing it again changes nothing."""
    need = needs.by_ref(ref) or abort(404)
    form = StopPushForm()
    if form.validate_on_submit():
        push.stop(need)
        db.session.commit()
        return redirect_to(url_for("needs.stop", ref=need.ref))
    response = render(
        "needs/stop.html",
        fragment="form",
        need=need,
        form=form,
        stopped=need.resident.push_stopped_at is not None,
        status=422 if form.errors else 200,
    )
    personal(response)  # never kept on a shared phone, never indexed
    return response
