"""Sign up for a class, the receipt, cancelling, and the public record of a lottery draw."""

from __future__ import annotations

import functools

import segno
from flask import Blueprint, abort, make_response, request, url_for
from markupsafe import Markup

from app.clock import today
from app.extensions import db
from app.forms.signup import CancelForm, SignupForm, problem_text
from app.htmx import personal, redirect_to, render
from app.limits import sends_texts
from app.services import catalogue, signup_flow
from app.services import enrolment as enrolment_service
from app.templating import external_url

bp = Blueprint("signup", __name__)
NO_SIGNUPS = ("closed", "past_deadline")  # the class takes none: point to its next intake


def receipt_link(ref: str) -> str:
    """The receipt's address, for the text message a sign-up sends."""
    return external_url("signup.receipt", ref=ref)


@bp.route("/courses/<int:offering_id>/signup", methods=["GET", "POST"])
@sends_texts
def signup(offering_id: int):
    form = SignupForm(towns=catalogue.towns())
    if request.method == "GET":
        form.offer(request.args.get("need"))  # from a plan: its name and town, its phone if left empty
    submission = form.submission() if form.validate_on_submit() else None
    attempt = signup_flow.sign_up(offering_id, submission, receipt_link) or abort(404)
    if attempt.enrolment is not None:
        db.session.commit()
        return redirect_to(url_for("signup.receipt", ref=attempt.enrolment.ref))
    offering = attempt.offering
    return render(
        "signup/form.html",
        fragment="form",
        form=form,
        offering=offering,
        today=today(),
        problem=attempt.problem,
        problem_text=problem_text(attempt.problem),
        next_intake=catalogue.next_intake(offering, today()) if attempt.problem in NO_SIGNUPS else None,
        intents=enrolment_service.intent_count(offering),
        entries=enrolment_service.lottery_entries(offering),
        status=422 if form.errors or (request.method == "POST" and attempt.problem) else 200,
    )


@functools.lru_cache(maxsize=1024)
def qr_svg(url: str) -> Markup:
    """The receipt's address as an inline SVG QR code (no inline styles: the CSP forbids them).
    A pure function of the address, kept for the process's most recent receipts (a QR code
    costs more than the rest of the page)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, svgclass="qr", lineclass=None, omitsize=False)
    return Markup(svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1))


@bp.get("/signups/<ref>")
def receipt(ref: str):
    seen = signup_flow.receipt(ref) or abort(404)
    link = receipt_link(ref)
    response = render("signup/receipt.html", **seen.context(), qr=qr_svg(link), link=link, cancel_form=CancelForm())
    personal(response)  # never kept on a shared phone, never indexed
    response.vary.add("User-Agent")  # WeChat's own browser is told how to add the calendar
    return response


@bp.route("/signups/<ref>/cancel", methods=["GET", "POST"])
def cancel(ref: str):
    """GET asks to confirm; POST cancels (once: a second time changes nothing) and goes back to the receipt."""
    form = CancelForm()
    if form.validate_on_submit():
        if signup_flow.cancel(ref) is None:
            abort(404)
        db.session.commit()
        return redirect_to(url_for("signup.receipt", ref=ref))
    enrolment = enrolment_service.find(ref) or abort(404)
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
    offering = signup_flow.class_page(offering_id) or abort(404)
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
