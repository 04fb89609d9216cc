"""The public list of open jobs (招聘岗位), by town; the stop link of a "有适合您的工作" text."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for

from app.extensions import db
from app.forms.needs import StopPushForm
from app.htmx import personal, redirect_to, render
from app.services import catalogue, job_push, jobs

bp = Blueprint("jobs", __name__)


@bp.get("/jobs")
def index():
    town = catalogue.find_town(request.args.get("town", "")[:10])
    town_id = town.id if town else None
    return render("jobs/index.html", jobs=jobs.open_jobs(town_id), towns=catalogue.towns(), town_id=town_id)


@bp.route("/jobs/stop/<ref>", methods=["GET", "POST"])
def stop(ref: str):
    """The stop link of a "有适合您的工作" text: a page with one button (a link alone would be pressed
    by a phone's link preview). It stops job texts only; class texts have their own stop link.
    Pressing it again changes nothing."""
    told = job_push.by_ref(ref) or abort(404)
    form = StopPushForm()
    if form.validate_on_submit():
        job_push.stop(told)
        db.session.commit()
        return redirect_to(url_for("jobs.stop", ref=told.ref))
    response = render(
        "jobs/stop.html",
        fragment="form",
        told=told,
        form=form,
        stopped=told.resident.job_push_stopped_at is not None,
        status=422 if form.errors else 200,
    )
    personal(response)  # never kept on a shared phone, never indexed
    return response
