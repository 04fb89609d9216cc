"""长辈版: a separate, simpler view for seniors over the same services. No JavaScript needed."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, redirect, request, url_for

from app.clock import moment, today
from app.extensions import db
from app.forms.elder import CallbackForm, ElderSignupForm
from app.forms.signup import CancelForm, problem_text
from app.htmx import redirect_to, render
from app.limits import sends_texts
from app.services import callbacks, catalogue, signup_flow
from app.services import enrolment as enrolment_service
from app.templating import external_url
from app.urls import safe_next

bp = Blueprint("elder", __name__, url_prefix="/elder")
SIZE_COOKIE = "elder_size"
LIST_ARGS = ("day", "town", "topic", "page")


def list_args(args) -> dict[str, str]:
    """Which list a senior came from (?day, ?town, ?topic, ?page): carried from a list to a class
    page, so "回到课程列表" goes back to that list (today, a weekday, a town, a topic), not always the week."""
    return {key: args[key] for key in LIST_ARGS if args.get(key) and len(args[key]) <= 20}


@bp.get("/")
def index():
    return render("elder/index.html", topics=catalogue.ELDER_TOPICS, towns=catalogue.towns())


@bp.get("/courses")
def courses():
    """?day=today|week|1…7, ?town=<id or name>, ?topic=<category>, ?page=n. Today and this week list
    the meetings still to come, with their dates; a weekday, a topic or a town lists the classes."""
    town = catalogue.find_town(request.args.get("town"))
    topic = request.args.get("topic") if request.args.get("topic") in catalogue.ELDER_TOPICS else None
    day = request.args.get("day") or ("" if town or topic else "week")
    weekday = int(day) if len(day) == 1 and day in "1234567" else None
    page_number = request.args.get("page", 1, type=int)
    town_id = town.id if town else None
    if day in ("today", "week"):
        page = catalogue.elder_sessions(
            moment(), days=1 if day == "today" else 7, town_id=town_id, topic=topic, page=page_number
        )
    else:
        page = catalogue.elder_offerings(today(), weekday=weekday, town_id=town_id, topic=topic, page=page_number)
    return render(
        "elder/courses.html",
        page=page,
        day=day,
        weekday=weekday,
        town=town,
        topic=topic,
        today=today(),
        week_end=today() + dt.timedelta(days=6),
        now=moment(),
        sessions=day in ("today", "week"),
        list_args=list_args(request.args),
    )


@bp.get("/courses/<int:offering_id>")
def course(offering_id: int):
    offering = signup_flow.class_page(offering_id) or abort(404)
    return render(
        "elder/course.html",
        offering=offering,
        back=url_for("elder.courses", **(list_args(request.args) or {"day": "week"})),
        today=today(),
        next_session=catalogue.next_session(offering, today()),
        next_intake=None if offering.open_for_signup(today()) else catalogue.next_intake(offering, today()),
    )


def receipt_link(ref: str) -> str:
    """The 长辈版 receipt's address, for the text message a sign-up from here sends."""
    return external_url("elder.receipt", ref=ref)


@bp.route("/courses/<int:offering_id>/signup", methods=["GET", "POST"])
@sends_texts
def signup(offering_id: int):
    """The same sign-up step as the public page, with fewer questions and bigger everything."""
    form = ElderSignupForm(towns=catalogue.towns())
    if request.method == "GET":
        form.offer(request.args.get("need"))
    submission = form.submission() if form.validate_on_submit() else None
    attempt = signup_flow.sign_up(offering_id, submission, receipt_link) or abort(404)
    if attempt.enrolment is not None:
        db.session.commit()
        return redirect_to(url_for("elder.receipt", ref=attempt.enrolment.ref))
    offering = attempt.offering
    if request.method == "GET" and not form.town.data:
        form.town.data = str(offering.town_id)  # most sign up for a class in their own town
    return render(
        "elder/signup.html",
        offering=offering,
        form=form,
        today=today(),
        problem=attempt.problem,
        problem_text=problem_text(attempt.problem),
        next_intake=catalogue.next_intake(offering, today())
        if attempt.problem in ("closed", "past_deadline")
        else None,
        status=422 if form.errors or (request.method == "POST" and attempt.problem) else 200,
    )


@bp.get("/signups/<ref>")
def receipt(ref: str):
    seen = signup_flow.receipt(ref) or abort(404)
    response = render("elder/receipt.html", **seen.context())
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/signups/<ref>/cancel", methods=["GET", "POST"])
def cancel(ref: str):
    """GET asks to confirm; POST cancels (once) and goes back to the receipt: as the public page does."""
    form = CancelForm()
    if form.validate_on_submit():
        if signup_flow.cancel(ref) is None:
            abort(404)
        db.session.commit()
        return redirect_to(url_for("elder.receipt", ref=ref))
    enrolment = enrolment_service.find(ref) or abort(404)
    response = render(
        "elder/cancel.html",
        form=form,
        enrolment=enrolment,
        offering=enrolment.offering,
        status=422 if form.errors else 200,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/courses/<int:offering_id>/callback", methods=["GET", "POST"])
@sends_texts
def callback(offering_id: int):
    offering = catalogue.get_offering(offering_id) or abort(404)
    form = CallbackForm()
    if form.validate_on_submit():
        callbacks.request_callback(
            form.name.data, form.phone.data, offering.town_id, offering, submission_id=form.submission_id.data
        )
        db.session.commit()
        return redirect_to(url_for("elder.callback_done", offering_id=offering.id))
    return render("elder/callback.html", offering=offering, form=form, status=422 if form.errors else 200)


@bp.get("/courses/<int:offering_id>/callback/done")
def callback_done(offering_id: int):
    offering = catalogue.get_offering(offering_id) or abort(404)
    return render("elder/callback_done.html", offering=offering)


@bp.get("/text-size/<size>")
def text_size(size: str):
    """The 大字 step: remembered in a cookie, works without JavaScript."""
    response = redirect(safe_next(request.args.get("next"), url_for("elder.index")), 303)
    if size in ("big", "normal"):
        response.set_cookie(
            SIZE_COOKIE,
            size,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.app_context_processor
def elder_context() -> dict:
    return {"elder_big": request.cookies.get(SIZE_COOKIE) == "big"}
