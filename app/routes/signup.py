"""Sign up for a class, the receipt, cancelling, and the public record of a lottery draw."""

from __future__ import annotations

import segno
from flask import Blueprint, abort, make_response, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.clock import today
from app.db import begin_write
from app.extensions import db
from app.forms.signup import CancelForm, SignupForm
from app.htmx import redirect_to, render
from app.limits import sends_texts
from app.models import Enrolment, Offering
from app.services import catalogue
from app.services import enrolment as enrolment_service
from app.services.enrolment import EnrolmentError
from app.templating import external_url

bp = Blueprint("signup", __name__)

PROBLEMS = {
    "closed": _l("这门课已经停止报名。可以回到课程列表找找别的班。"),
    "past_deadline": _l("这门课的报名已经截止。可以回到课程列表找找别的班。"),
    "already_enrolled": _l("这个手机号已经报过这门课了，不用再报。报名号在当时的回执和短信里。"),
}


def _offering_or_404(offering_id: int) -> Offering:
    return catalogue.get_offering(offering_id) or abort(404)


def run_due_draw(offering: Offering) -> Offering:
    """A lottery whose window has closed is drawn on first sight (also by `flask run-draws`, and by
    the next sign-up), in a write transaction of its own."""
    if not enrolment_service.draw_due(offering):
        return offering
    offering_id = offering.id
    db.session.rollback()  # end the read; the draw writes, so it begins as a writer
    begin_write()
    enrolment_service.draw_if_due(db.session.get(Offering, offering_id))
    db.session.commit()
    return _offering_or_404(offering_id)


def attempt_signup(offering_id: int, make_form, receipt_endpoint: str = "signup.receipt"):
    """The sign-up step shared by the public, 长辈版 and worker pages.

    Returns (offering, form, enrolment or None, problem or None). The form is checked in a read;
    the sign-up itself then begins as a writer (SQLite: BEGIN IMMEDIATE), so the write lock is held
    for the sign-up alone. A due lottery draw runs inside it."""
    if request.method == "GET":
        offering = run_due_draw(_offering_or_404(offering_id))
    else:  # only the class row; the page, if it is shown again with errors, loads the rest
        offering = db.session.get(Offering, offering_id) if 0 < offering_id <= catalogue.MAX_ID else None
        offering = offering or abort(404)
    form = make_form()
    problem = enrolment_service.signup_problem(offering, today())
    if form.validate_on_submit():
        person, actor, submission_id = form.person(), form.actor(), form.submission_id.data
        db.session.rollback()
        begin_write()
        try:
            enrolment = enrolment_service.enrol(
                db.session.get(Offering, offering_id),
                person,
                submission_id=submission_id,
                actor=actor,
                receipt_link=lambda ref: external_url(receipt_endpoint, ref=ref),
            )
        except EnrolmentError as error:
            db.session.rollback()
            problem = error.code
        else:
            db.session.commit()
            return offering, form, enrolment, None
    if request.method == "POST":
        offering = _offering_or_404(offering_id)  # everything the page shows, in a few queries
    return offering, form, None, problem


@bp.route("/courses/<int:offering_id>/signup", methods=["GET", "POST"])
@sends_texts
def signup(offering_id: int):
    offering, form, enrolment, problem = attempt_signup(offering_id, lambda: SignupForm(towns=catalogue.towns()))
    if enrolment is not None:
        return redirect_to(url_for("signup.receipt", ref=enrolment.ref))
    status = 422 if form.errors or (request.method == "POST" and problem) else 200
    return render(
        "signup/form.html",
        fragment="form",
        form=form,
        offering=offering,
        today=today(),
        problem=problem,
        problem_text=PROBLEMS.get(problem or ""),
        intents=enrolment_service.intent_count(offering) if offering.is_group_class else None,
        entries=enrolment_service.lottery_entries(offering),
        status=status,
    )


def _receipt_or_404(ref: str) -> Enrolment:
    return enrolment_service.find(ref) or abort(404)


def qr_svg(url: str) -> Markup:
    """The receipt's address as an inline SVG QR code (no inline styles: the CSP forbids them)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, svgclass="qr", lineclass=None, omitsize=False)
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


@bp.get("/signups/<ref>")
def receipt(ref: str):
    enrolment = _receipt_or_404(ref)
    offering = run_due_draw(enrolment.offering)
    enrolment = _receipt_or_404(ref)
    link = external_url("signup.receipt", ref=ref)
    response = render(
        "signup/receipt.html",
        enrolment=enrolment,
        offering=offering,
        today=today(),
        position=enrolment_service.waitlist_position(enrolment),
        first_session=catalogue.next_session(offering, today()),
        qr=qr_svg(link),
        link=link,
        intents=enrolment_service.intent_count(offering) if offering.is_group_class else None,
        entries=enrolment_service.lottery_entries(offering),
        cancel_form=CancelForm(),
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/signups/<ref>/cancel", methods=["GET", "POST"])
def cancel(ref: str):
    """GET asks to confirm; POST cancels (once: a second time changes nothing) and goes back to the receipt."""
    if request.method == "POST":
        begin_write()
    enrolment = _receipt_or_404(ref)
    form = CancelForm()
    if form.validate_on_submit():
        enrolment_service.cancel(enrolment)
        db.session.commit()
        return redirect_to(url_for("signup.receipt", ref=ref))
    response = render(
        "signup/cancel.html",
        fragment="form",
        form=form,
        enrolment=enrolment,
        offering=enrolment.offering,
        status=422 if form.errors else 200,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/courses/<int:offering_id>/draw.txt")
def draw_record(offering_id: int):
    """The draw's record in plain text: seed, time, entries in id order, result, and how to repeat it."""
    offering = run_due_draw(_offering_or_404(offering_id))
    if not offering.is_lottery or offering.drawn_at is None:
        abort(404)
    entries = enrolment_service.drawn_entries(offering)
    by_id = sorted(entries, key=lambda e: e.id)
    lines = [
        f"offering: {offering.code} {offering.title}",
        f"seed: {offering.draw_seed}",
        f"drawn_at_utc: {enrolment_service.as_utc(offering.drawn_at).isoformat()}",
        f"entries: {offering.draw_entries}",
        "",
        "# entries in id order (id code)",
        *(f"{e.id} {e.code}" for e in by_id),
        "",
        "# drawn order (rank code status-at-draw)",
        *(f"{e.draw_rank} {e.code}" for e in entries),
        "",
        "# repeat it with Python 3:",
        "#   import random",
        "#   ids = [the ids above, in the order listed]",
        f"#   random.Random({offering.draw_seed!r}).shuffle(ids)",
        "#   the first ids take the free places in that order; the rest are waitlisted in that order",
        "",
    ]
    response = make_response("\n".join(lines))
    response.mimetype = "text/plain"
    return response
