"""A resident sees their needs and sign-ups after proving their phone with a one-time code."""

from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, current_app, request, session, url_for
from flask_babel import gettext as _

from app import labels, messages
from app.clock import now, today
from app.extensions import db, limiter
from app.forms.me import CodeStepForm, ConsentForm, DeletionForm, DetailsForm, PhoneStepForm
from app.forms.work import WORK_ERRORS, AskForm, ClaimForm, ListingForm
from app.htmx import redirect_to, render
from app.models import ContactRequest, MessageKind, WorkOrder, mask_phone
from app.services import catalogue, job_push, jobs, learning, mentoring, privacy, residents, workshop
from app.services import enrolment as enrolment_service
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
        # Each sign-up says when and where: its class's next meeting (moved or not), if any is left.
        upcoming = {e.id: catalogue.next_session(e.offering, today()) for e in signups}
        mentors = mentoring.for_resident(resident) if resident else []
        return render(
            "me/records.html",
            resident=resident,
            signups=signups,
            upcoming=upcoming,
            mentors=mentors,
            phone=mask_phone(phone),
            **_earn(resident),
        )
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


# The resident's data (PIPL arts. 44–47): see it, download it, correct it, consent, deletion -------


def _signed_in_resident():
    """The signed-in resident, or None (the caller sends them to /me to sign in)."""
    phone = signed_in_phone()
    return residents.find_by_phone(phone) if phone else None


def _data_page(resident, details=None, consent=None, deletion=None, status=200):
    if details is None:
        details = DetailsForm(catalogue.towns(), formdata=None)
        details.fill(resident)
    if consent is None:
        consent = ConsentForm(formdata=None)
        consent.contact.data = resident.contact_withdrawn_at is None
        consent.profiling.data = resident.profiling_withdrawn_at is None
    return render(
        "me/data.html",
        resident=resident,
        held=privacy.export(resident),
        details=details,
        consent=consent,
        deletion=deletion or DeletionForm(formdata=None),
        pending=privacy.pending_request(resident),
        actions=labels.RESIDENT_ACTIONS,
        saved=request.args.get("saved") if request.method == "GET" else None,
        status=status,
    )


@bp.get("/me/data")
def data():
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    return _data_page(resident)


@bp.get("/me/data.json")
def download():
    """Everything held about them, as one file."""
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    body = json.dumps(privacy.export(resident), ensure_ascii=False, indent=1)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="xuehou-my-data.json"'
    return response


@bp.route("/me/data/details", methods=["GET", "POST"])
def correct_details():
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    form = DetailsForm(catalogue.towns())
    if request.method == "POST" and form.validate_on_submit():
        privacy.correct(resident, form.values())
        db.session.commit()
        return redirect_to(url_for("me.data", saved="details"))
    if request.method == "GET":
        form.fill(resident)
    return _data_page(resident, details=form, status=422 if form.errors else 200)


@bp.route("/me/data/consent", methods=["GET", "POST"])
def consent():
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    form = ConsentForm()
    if request.method == "POST" and form.validate_on_submit():
        privacy.set_consent(resident, bool(form.contact.data), bool(form.profiling.data), now())
        db.session.commit()
        return redirect_to(url_for("me.data", saved="consent"))
    return _data_page(resident, consent=form if request.method == "POST" else None,
                      status=422 if form.errors else 200)  # fmt: skip


@bp.route("/me/data/delete", methods=["GET", "POST"])
def ask_deletion():
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    form = DeletionForm()
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("withdraw") == "1":
            if (pending := privacy.pending_request(resident)) is not None:
                privacy.withdraw_request(pending, now())
        else:
            privacy.request_deletion(resident, form.submission_id.data)
        db.session.commit()
        return redirect_to(url_for("me.data", saved="deletion"))
    return _data_page(resident, deletion=form if request.method == "POST" else None,
                      status=422 if form.errors else 200)  # fmt: skip


@bp.get("/me/work")
def work():
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    day = today()
    return render(
        "me/work.html",
        resident=resident,
        matched=jobs.for_resident(resident, day),
        earnings=workshop.for_resident(resident.id),
        requests=jobs.requests_for(resident.id),
        told=job_push.for_resident(resident.id),
    )


@bp.post("/me/show")
def show():
    """Opt in to (or out of) being shown to enterprises."""
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    form = ListingForm()
    if form.validate_on_submit():
        learning.set_listed(resident.id, form.show.data == "1")
        db.session.commit()
    return redirect_to(url_for("me.index") + "#jobs")


@bp.route("/me/record/new", methods=["GET", "POST"])
def declare():
    resident = _signed_in_resident()
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
    resident = _signed_in_resident()
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


# 共富工坊: the orders the resident's workshop has taken, and asking for pieces of one ------------------


@bp.get("/me/orders")
def orders():
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    return render("me/orders.html", resident=resident, choices=workshop.choices(resident, today()))


@bp.route("/me/orders/<int:order_id>", methods=["GET", "POST"])
def order(order_id: int):
    """One order of the resident's workshop: what it pays, what is left, and the form to ask for
    pieces (the workshop leader confirms it and hands out the material)."""
    resident = _signed_in_resident()
    if resident is None:
        return redirect_to(url_for("me.index"))
    found = db.session.get(WorkOrder, order_id)
    if found is None or found.town_id != resident.town_id:
        abort(404)
    form = AskForm()
    if form.validate_on_submit():
        try:
            workshop.ask(found, resident, form.quantity.value, form.submission_id.data, today())
        except workshop.WorkError as error:
            form.add_error("quantity", str(WORK_ERRORS[error.code]) % error.params)
            db.session.rollback()
            found = db.session.get(WorkOrder, order_id)
        else:
            db.session.commit()
            return redirect_to(url_for("me.order", order_id=found.id, asked=1))
    return render(
        "me/order.html",
        fragment="form",
        choice=workshop.choice(found, resident, today()),
        form=form,
        cap=workshop.ASK_CAP,
        asked=request.method == "GET" and request.args.get("asked") == "1",
        status=422 if form.errors else 200,
    )
