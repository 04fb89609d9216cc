"""A resident sees their needs and sign-ups after proving their phone with a one-time code."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, request, session, url_for
from flask_babel import gettext as _

from app import messages
from app.clock import now, today
from app.extensions import db, limiter
from app.forms.me import CodeStepForm, PhoneStepForm
from app.forms.work import ClaimForm, ListingForm
from app.htmx import redirect_to, render
from app.models import ContactRequest, MessageKind, mask_phone
from app.services import enrolment as enrolment_service
from app.services import jobs, learning, residents, workshop
from app.services import otp as otp_service
from app.services.identity import normalise_phone

bp = Blueprint("me", __name__)


@bp.after_request
def no_store(response):
    """A resident's own records: never kept in a shared phone's cache."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


SESSION_LIFETIME = dt.timedelta(minutes=30)


def _phone_key() -> str:
    return "me-phone:" + normalise_phone(request.form.get("phone"))


def _not_sending() -> bool:
    return request.method != "POST" or request.form.get("step") != "send"


def signed_in_phone() -> str | None:
    phone, since = session.get("me_phone"), session.get("me_since")
    if not phone or not since:
        return None
    if now() - dt.datetime.fromisoformat(since) > SESSION_LIFETIME:
        session.pop("me_phone", None)
        return None
    return phone


@bp.route("/me", methods=["GET", "POST"])
@limiter.limit("5 per 10 minutes", key_func=_phone_key, exempt_when=_not_sending, methods=["POST"])
@limiter.limit("30 per hour", methods=["POST"])
def index():
    phone = signed_in_phone()
    if phone and request.method == "GET":
        resident = residents.find_by_phone(phone)
        signups = enrolment_service.for_resident(resident.id) if resident else []
        return render("me/records.html", resident=resident, signups=signups, phone=mask_phone(phone), **_earn(resident))
    if request.form.get("step") == "verify":
        return _verify()
    form = PhoneStepForm()
    if form.validate_on_submit():
        return _send(form.phone.data)
    return render("me/start.html", fragment="form", form=form, status=422 if form.errors else 200)


def _send(phone: str):
    # Send only to numbers we know; answer the same either way, so the page tells nobody who is registered.
    code = otp_service.issue(phone, now())
    resident = residents.find_by_phone(phone)
    if resident:
        messages.queue(phone, "code", MessageKind.CODE, resident_id=resident.id, code=code)
    db.session.commit()
    session["me_pending"] = phone
    shown = code if current_app.config.get("SHOW_DEV_CODES") else None
    return render(
        "me/code.html", fragment="form", form=CodeStepForm(formdata=None), phone=mask_phone(phone), dev_code=shown
    )


def _verify():
    form = CodeStepForm()
    phone = session.get("me_pending")
    if phone is None:
        return redirect_to(url_for("me.index"))
    if form.validate_on_submit():
        if otp_service.verify(phone, form.code.data, now()):
            db.session.commit()
            session.pop("me_pending", None)
            session["me_phone"], session["me_since"] = phone, now().isoformat()
            return redirect_to(url_for("me.index"))
        db.session.commit()
        form.add_error("code", _("验证码不对或已过期。请核对短信，或重新获取验证码。"))
    return render("me/code.html", fragment="form", form=form, phone=mask_phone(phone), dev_code=None, status=422)


@bp.post("/me/logout")
def logout():
    for key in ("me_phone", "me_since", "me_pending"):
        session.pop(key, None)
    return redirect_to(url_for("me.index"))


# Learn → earn: the learning record, being shown to enterprises, jobs and work orders ----------------


def _earn(resident) -> dict:
    """What /me shows of the learning record and the jobs it fits (nothing for an unknown number)."""
    if resident is None:
        return {}
    day = today()
    return dict(
        record=learning.record(resident.id, day),
        listed=learning.listed(resident.id),
        matched=jobs.for_resident(resident, day),
        requests=jobs.requests_for(resident.id),
        listing_form=ListingForm(formdata=None),
    )


def _resident():
    """The signed-in resident, or None (the caller sends them to /me to sign in)."""
    phone = signed_in_phone()
    return residents.find_by_phone(phone) if phone else None


@bp.get("/me/work")
def work():
    resident = _resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    day = today()
    return render(
        "me/work.html",
        resident=resident,
        matched=jobs.for_resident(resident, day),
        earnings=workshop.for_resident(resident.id),
        requests=jobs.requests_for(resident.id),
    )


@bp.post("/me/show")
def show():
    """Opt in to (or out of) being shown to enterprises."""
    resident = _resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    form = ListingForm()
    if form.validate_on_submit():
        learning.set_listed(resident.id, form.show.data == "1")
        db.session.commit()
    return redirect_to(url_for("me.index") + "#jobs")


@bp.route("/me/record/new", methods=["GET", "POST"])
def declare():
    resident = _resident()
    if resident is None:  # sign in first: the phone step, here
        if request.method == "GET":
            return render("me/start.html", form=PhoneStepForm(formdata=None))
        return redirect_to(url_for("me.index"))
    form = ClaimForm()
    if form.validate_on_submit():
        learning.declare(
            resident.id,
            form.submission_id.data,
            form.kind.data,
            form.name.data,
            form.earned_on.value,
            form.certificate_no.data,
        )
        db.session.commit()
        return redirect_to(url_for("me.index") + "#record")
    return render("me/declare.html", fragment="form", form=form, status=422 if form.errors else 200)


@bp.post("/me/contact/<int:request_id>")
def contact(request_id: int):
    """Agree (or not) to be put in touch with an enterprise about one job."""
    resident = _resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    found = db.session.get(ContactRequest, request_id)
    if found is None or found.resident_id != resident.id:
        abort(404)
    form = ListingForm()
    if form.validate_on_submit():
        jobs.answer(found, resident.id, request.form.get("answer") == "accept")
        db.session.commit()
    return redirect_to(url_for("me.work") + "#requests")
