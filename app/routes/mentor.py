"""Mentors (导师): their residents at /mentor/, and the one-to-one contacts they record."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_login import current_user

from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms.mentor import CONTACT_METHODS, ContactForm
from app.htmx import redirect_to, render
from app.models import Role
from app.services import mentoring

bp = Blueprint("mentor", __name__, url_prefix="/mentor")
MENTOR = (Role.MENTOR,)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _mentor():
    return mentoring.mentor_of(current_user) or abort(404)  # an account not linked to the mentors list


@bp.get("/")
@role_required(*MENTOR)
def index():
    mentor = _mentor()
    return render("mentor/index.html", mentor=mentor, residents=mentoring.residents_of(mentor))


@bp.route("/residents/<int:resident_id>", methods=["GET", "POST"])
@role_required(*MENTOR)
def resident(resident_id: int):
    mentor = _mentor()
    entry = mentoring.resident_of(mentor, resident_id) or abort(404)  # another mentor's resident
    form = ContactForm()
    if request.method == "GET":
        form.contact_on.data = today().isoformat()
    elif form.validate_on_submit():
        mentoring.record_contact(
            mentor,
            entry.resident,
            form.contact_on.value,
            form.method.data,
            form.advice.data,
            form.submission_id.data,
            current_user,
        )
        db.session.commit()
        return redirect_to(url_for("mentor.resident", resident_id=resident_id, saved=1))
    return render(
        "mentor/resident.html",
        fragment="form",
        mentor=mentor,
        entry=entry,
        form=form,
        contacts=mentoring.contacts(mentor, entry.resident),
        methods=CONTACT_METHODS,
        saved=request.method == "GET" and request.args.get("saved") == "1",
        status=422 if form.errors else 200,
    )
