"""长辈版: a separate, simpler view for seniors over the same services. No JavaScript needed."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for

from app.clock import today
from app.db import begin_write
from app.extensions import db
from app.forms.elder import CallbackForm, ElderSignupForm
from app.forms.signup import CancelForm
from app.htmx import redirect_to, render
from app.limits import sends_texts
from app.routes.main import safe_next
from app.routes.signup import PROBLEMS, attempt_signup
from app.services import callbacks, catalogue
from app.services import enrolment as enrolment_service

bp = Blueprint("elder", __name__, url_prefix="/elder")
SIZE_COOKIE = "elder_size"


@bp.get("/")
def index():
    return render("elder/index.html", topics=catalogue.ELDER_TOPICS, towns=catalogue.towns())


@bp.get("/courses")
def courses():
    """?day=today|week|1…7, ?town=<id or name>, ?topic=<category>, ?page=n."""
    day = request.args.get("day", "week")
    weekday = today().isoweekday() if day == "today" else (int(day) if day in "1234567" and len(day) == 1 else None)
    town = catalogue.find_town(request.args.get("town"))
    topic = request.args.get("topic") if request.args.get("topic") in catalogue.ELDER_TOPICS else None
    page = catalogue.elder_offerings(
        today(),
        weekday=weekday,
        town_id=town.id if town else None,
        topic=topic,
        page=request.args.get("page", 1, type=int),
    )
    return render("elder/courses.html", page=page, day=day, weekday=weekday, town=town, topic=topic, today=today())


@bp.get("/courses/<int:offering_id>")
def course(offering_id: int):
    offering = catalogue.get_offering(offering_id) or abort(404)
    return render(
        "elder/course.html",
        offering=offering,
        today=today(),
        next_session=catalogue.next_session(offering, today()),
        signup_open=catalogue.is_open_for_signup(offering, today()),
    )


@bp.route("/courses/<int:offering_id>/signup", methods=["GET", "POST"])
@sends_texts
def signup(offering_id: int):
    """The same enrolment service as the public page, with fewer questions and bigger everything."""

    offering, form, enrolment, problem = attempt_signup(
        offering_id, lambda: ElderSignupForm(towns=catalogue.towns()), "elder.receipt"
    )
    if enrolment is not None:
        return redirect_to(url_for("elder.receipt", ref=enrolment.ref))
    if request.method == "GET" and not form.town.data:
        form.town.data = str(offering.town_id)  # most sign up for a class in their own town
    return render(
        "elder/signup.html",
        offering=offering,
        form=form,
        today=today(),
        problem=problem,
        problem_text=PROBLEMS.get(problem or ""),
        status=422 if form.errors or (request.method == "POST" and problem) else 200,
    )


@bp.get("/signups/<ref>")
def receipt(ref: str):
    enrolment = enrolment_service.find(ref) or abort(404)
    response = render(
        "elder/receipt.html",
        enrolment=enrolment,
        offering=enrolment.offering,
        today=today(),
        position=enrolment_service.waitlist_position(enrolment),
        first_session=catalogue.next_session(enrolment.offering, today()),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/signups/<ref>/cancel", methods=["GET", "POST"])
def cancel(ref: str):
    if request.method == "POST":
        begin_write()
    enrolment = enrolment_service.find(ref) or abort(404)
    form = CancelForm()
    if form.validate_on_submit():
        enrolment_service.cancel(enrolment)
        db.session.commit()
        return redirect_to(url_for("elder.receipt", ref=ref))
    response = render("elder/cancel.html", form=form, enrolment=enrolment, offering=enrolment.offering)
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
