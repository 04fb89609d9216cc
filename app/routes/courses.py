"""The catalogue, one class, its calendar file, and the weekly timetable."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, request

from app.clock import today
from app.forms.catalogue import CatalogueFilterForm
from app.htmx import cached_page, render
from app.i18n import weekday_names
from app.services import calendar, catalogue, enrolment, incentives, offline, signup_flow

bp = Blueprint("courses", __name__)


def _filter_form() -> CatalogueFilterForm:
    return CatalogueFilterForm(request.args, catalogue.towns(), weekday_names())


@bp.get("/courses")
@cached_page
def index():
    form = _filter_form()
    filters = form.filters()
    page = catalogue.find_offerings(
        filters,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["CATALOGUE_PAGE_SIZE"],
        today=today(),
    )
    return render("courses/index.html", fragment="results", form=form, filters=filters, page=page, today=today())


@bp.get("/courses/<int:offering_id>")
def detail(offering_id: int):
    offering = signup_flow.class_page(offering_id) or abort(404)
    policies = incentives.active_policies()  # read once for the estimate and the prices
    response = render(
        "courses/detail.html",
        intents=enrolment.intent_count(offering),
        entries=enrolment.lottery_entries(offering),
        offering=offering,
        today=today(),
        next_session=catalogue.next_session(offering, today()),
        next_intake=None if offering.open_for_signup(today()) else catalogue.next_intake(offering, today()),
        need_ref=request.args.get("need", "")[:40] or None,  # from a plan: carried to the sign-up
        # Nothing is known of who is reading: every condition on the person is shown as "if …".
        subsidy=incentives.estimate(offering.programme, incentives.Facts(), policies),
        # What it comes to for each residence type: sure cash only, by the same rule as the estimate.
        price=offline.price(offering, policies),
    )
    response.vary.add("User-Agent")  # WeChat's own browser is told how to add the calendar
    return response


@bp.get("/courses/<int:offering_id>.ics")
def ics(offering_id: int):
    offering = catalogue.get_offering(offering_id) or abort(404)
    response = make_response(calendar.offering_calendar(offering))
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="xuehou-{offering.id}.ics"'
    return response


@bp.get("/schedule")
@cached_page
def schedule():
    form = _filter_form()
    filters = form.filters()
    return render(
        "courses/schedule.html",
        fragment="timetable",
        form=form,
        filters=filters,
        days=catalogue.weekly_timetable(filters, today()),
        counts=catalogue.day_counts(filters, today()),
        today=today(),
    )
