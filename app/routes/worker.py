"""Community workers: today's work, finding residents, entering needs for them (with read-back)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from app.auth import entered_by_this_worker, role_required
from app.clock import TZ, now, today
from app.extensions import db
from app.forms.base import new_submission_id
from app.forms.needs import AssistedNeedForm
from app.forms.signup import AssistedSignupForm, problem_text
from app.htmx import redirect_to, render
from app.i18n import weekday_names
from app.limits import limit_searches
from app.models import CallbackRequest, Need, NeedSource, Policy, Resident, ResidentConflict, Role, User
from app.services import callbacks, catalogue, matching, needs, residents, signup_flow, staff
from app.services import enrolment as enrolment_service
from app.templating import external_url

bp = Blueprint("worker", __name__, url_prefix="/worker")
WORKER = (Role.WORKER,)
PRECACHE_HEADER = "X-Xuehou-Precache"  # sent by the service worker when it stores a page for offline use
SUBMISSION_POOL = 20


@bp.after_request
def no_store(response):
    """A shared phone: no worker page is kept in the browser's cache or back-forward cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def can_see_full_number(resident: Resident) -> bool:
    """A worker sees the whole phone number of residents of their own town only."""
    return current_user.town_id is not None and resident.town_id == current_user.town_id


@bp.get("/")
@role_required(*WORKER)
def index():
    if request.headers.get(PRECACHE_HEADER):
        # The service worker's offline copy of this page: no resident's data in the phone's cache.
        return render("worker/index.html", entries=[], conflicts=0, callbacks=[], offline_copy=True)
    start = dt.datetime.combine(today(), dt.time(0), TZ)
    mine = list(
        db.session.scalars(
            select(Need)
            .where(Need.entered_by_id == current_user.id, Need.created_at >= start)
            .order_by(Need.created_at.desc())
        )
    )
    conflicts = db.session.scalar(
        select(func.count(ResidentConflict.id))
        .join(Resident)
        .where(Resident.town_id == current_user.town_id, ResidentConflict.resolved_at.is_(None))
    )
    waiting = callbacks.waiting(current_user.town_id)
    return render(
        "worker/index.html",
        entries=mine,
        conflicts=conflicts,
        callbacks=waiting,
        standing=callbacks.standing(waiting),
        today=today(),
    )


@bp.post("/callbacks/<int:callback_id>/done")
@role_required(*WORKER)
def callback_done(callback_id: int):
    callback = db.session.get(CallbackRequest, callback_id)
    if callback is None or callback.town_id != current_user.town_id:
        abort(404)
    callbacks.mark_handled(callback, current_user, now())
    db.session.commit()
    return redirect_to(url_for("worker.index"))


@bp.route("/residents", methods=["GET", "POST"])
@role_required(*WORKER)
@limit_searches
def find_residents():
    """Search by phone or name. A POST, so numbers stay out of addresses, history and logs."""
    query = (request.form.get("q") or "")[:40] if request.method == "POST" else ""
    found = residents.search(query, current_user) if query.strip() else []
    cards = residents.cards_for_worker(found, current_user)
    db.session.commit()  # the search's audit entry
    return render(
        "worker/residents.html",
        fragment="results",
        query=query,
        found=cards,
        full_number=can_see_full_number,
        today=today(),
    )


def own_resident(resident_id: str | None) -> Resident | None:
    """A resident of the worker's own town by id (a card's action links), or None."""
    resident = db.session.get(Resident, int(resident_id)) if (resident_id or "").isdecimal() else None
    return resident if resident is not None and can_see_full_number(resident) else None


@bp.route("/needs/new", methods=["GET", "POST"])
@role_required(*WORKER)
@entered_by_this_worker
def new_need():
    """Fill in → read back to the resident → confirm and save → a clean form for the next resident."""
    form = AssistedNeedForm(catalogue.towns(), weekday_names())
    if request.method == "GET":
        form.town.data = str(current_user.town_id or "")
        if (known := own_resident(request.args.get("resident", type=str))) is not None:
            form.offer_resident(known)  # "记录学习需求" on a found resident's card
    step = request.form.get("step")
    if request.method == "POST" and step != "edit" and form.validate_on_submit():
        if step == "confirm":
            need = needs.report(
                form.person(),
                form.wish(),
                submission_id=form.submission_id.data,
                today=today(),
                source=NeedSource.ASSISTED,
                consent_method=form.consent_method.data,
                entered_by=current_user,
            )
            db.session.commit()
            return redirect_to(url_for("worker.need_saved", ref=need.ref))
        return render(
            "worker/readback.html", form=form, lines=form.readback(), action=url_for("worker.new_need"), outbox="need"
        )
    failed = request.method == "POST" and step != "edit"
    return render(
        "worker/need_form.html",
        fragment="form",
        form=form,
        suggestions=needs.target_suggestions(form.kind.data),
        status=422 if failed else 200,
    )


def receipt_link(ref: str) -> str:
    """The resident's text message links to the public receipt."""
    return external_url("signup.receipt", ref=ref)


@bp.route("/courses/<int:offering_id>/signup", methods=["GET", "POST"])
@role_required(*WORKER)
@entered_by_this_worker
def signup(offering_id: int):
    """Sign a resident up: fill in → read back → the resident confirms → the shared sign-up step."""
    step = request.form.get("step")
    worker_id = current_user.id  # read once: the sign-up step ends transactions, which expires the user row
    form = AssistedSignupForm(towns=catalogue.towns(), worker_id=worker_id)
    if request.method == "POST" and step == "confirm":
        submission = form.submission() if form.validate_on_submit() else None
        attempt = signup_flow.sign_up(offering_id, submission, receipt_link) or abort(404)
        if (enrolment := attempt.enrolment) is not None:
            staff.audit(
                db.session.get(User, worker_id),
                "enrolment.assisted",
                "enrolment",
                enrolment.id,
                resident_id=enrolment.resident_id,
                consent=enrolment.consent_method,
                offering=attempt.offering.code,
            )
            db.session.commit()
            return redirect_to(url_for("worker.signup_saved", ref=enrolment.ref))
    else:
        attempt = signup_flow.signup_page(offering_id) or abort(404)
        if request.method == "POST" and step == "review" and form.validate_on_submit() and not attempt.problem:
            return render(
                "worker/readback.html",
                form=form,
                lines=form.readback(),
                offering=attempt.offering,
                first_session=catalogue.next_session(attempt.offering, today()),
                action=url_for("worker.signup", offering_id=offering_id),
                outbox="signup",
            )
        if request.method == "GET":
            form.town.data = str(current_user.town_id or "")
            # "帮他报名" from a plan (the need's resident), a found resident's card, or a call-back.
            form.offer(request.args.get("need"))
            if (known := own_resident(request.args.get("resident", type=str))) is not None:
                form.offer_resident(known)
            elif (callback := own_callback(request.args.get("callback", type=str))) is not None:
                form.name.data, form.phone.data = callback.name, callback.phone
    failed = request.method == "POST" and step != "edit"
    return render(
        "worker/signup_form.html",
        form=form,
        offering=attempt.offering,
        today=today(),
        problem=attempt.problem,
        problem_text=problem_text(attempt.problem),
        status=422 if failed else 200,
    )


def own_callback(callback_id: str | None) -> CallbackRequest | None:
    """A call-back request of the worker's own town by id, or None."""
    callback = db.session.get(CallbackRequest, int(callback_id)) if (callback_id or "").isdecimal() else None
    return callback if callback is not None and callback.town_id == current_user.town_id else None


@bp.get("/signups/<ref>/saved")
@role_required(*WORKER)
def signup_saved(ref: str):
    enrolment = enrolment_service.find(ref)
    if enrolment is None or enrolment.entered_by_id != current_user.id:
        abort(404)
    return render("worker/signup_saved.html", enrolment=enrolment, offering=enrolment.offering)


@bp.get("/needs/<ref>/saved")
@role_required(*WORKER)
def need_saved(ref: str):
    need = needs.by_ref(ref)
    if need is None or need.entered_by_id != current_user.id:
        abort(404)
    # The plan the resident would see, with a "帮他报名" step on each class (the same resident).
    return render("worker/saved.html", need=need, plan=matching.plan(need, today()), today=today(), just_saved=True)


@bp.get("/needs/<ref>")
@role_required(*WORKER)
def need_plan(ref: str):
    """A need's plan with its "帮他报名" steps, from a found resident's card: residents of the
    worker's own town, or needs the worker entered."""
    need = needs.by_ref(ref)
    if need is None or not (need.entered_by_id == current_user.id or can_see_full_number(need.resident)):
        abort(404)
    return render("worker/saved.html", need=need, plan=matching.plan(need, today()), today=today(), just_saved=False)


@bp.get("/outbox")
@role_required(*WORKER)
def outbox():
    """What waits on this phone to be sent. The list lives in the browser (IndexedDB); outbox.js fills it."""
    return render("worker/outbox.html")


@bp.get("/policies")
@role_required(*WORKER)
def policies():
    """The subsidy rules, kept by the service worker so a worker can quote them offline."""
    rows = db.session.scalars(select(Policy).where(Policy.active).order_by(Policy.kind, Policy.code))
    return render("worker/policies.html", policies=list(rows))


@bp.get("/api/session")
def api_session():
    """For the outbox before it replays: a fresh CSRF token and a pool of server-issued submission ids.

    JSON answers JSON: a lapsed log-in is 401 (not a redirect), so the outbox keeps its items and asks
    the worker to log in again; another role is 403."""
    if not current_user.is_authenticated:
        return jsonify(logged_in=False, login_url=url_for("auth.login", next=url_for("worker.outbox"))), 401
    if current_user.role not in WORKER:
        return jsonify(logged_in=False), 403
    return jsonify(
        logged_in=True,
        worker=current_user.id,
        csrf_token=generate_csrf(),
        submission_ids=[new_submission_id() for _ in range(SUBMISSION_POOL)],
    )


api_session.roles = WORKER  # read by the authorisation tests, like role_required's views
