"""The public list of open jobs (招聘岗位), by town."""

from __future__ import annotations

from flask import Blueprint, request

from app.htmx import render
from app.services import catalogue, jobs

bp = Blueprint("jobs", __name__)


@bp.get("/jobs")
def index():
    town = catalogue.find_town(request.args.get("town", "")[:10])
    town_id = town.id if town else None
    return render("jobs/index.html", jobs=jobs.open_jobs(town_id), towns=catalogue.towns(), town_id=town_id)
