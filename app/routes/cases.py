"""A worker's caseload at /worker/cases: the town's cases, one page per case to record a contact;
the bureau (supervisor) sees any town's and hands a case to another worker of the same town."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.clock import now, today
from app.extensions import db
from app.forms.cases import CASE_KINDS, CASE_STATES, CaseForm, ReassignForm
from app.htmx import redirect_to, render
from app.models import DeletionRequest, Role, User
from app.services import caseload, catalogue, privacy

bp = Blueprint("cases", __name__, url_prefix="/worker/cases")
STAFF = (Role.WORKER, Role.ADMIN)

ERRORS = {
    "not_yours": lambda: _("这个个案不属于您所在的镇。"),
    "not_supervisor": lambda: _("只有教育局可以转交个案。"),
    "other_town": lambda: _("只能转交给本镇的社区工作者。"),
}


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _town_id() -> int | None:
    if current_user.role == Role.WORKER:
        return current_user.town_id
    town = catalogue.find_town(request.args.get("town", "")[:20]) if request.args.get("town") else None
    return town.id if town else None


@bp.get("/")
@role_required(*STAFF)
def index():
    town_id = _town_id()
    done = request.args.get("show") == "done"
    holder = current_user if current_user.role == Role.WORKER else None
    sections = caseload.caseload(town_id, today(), holder, done=done) if town_id else []
    return render(
        "cases/index.html",
        sections=sections,
        town_id=town_id,
        towns=catalogue.towns(),
        done=done,
        kinds=CASE_KINDS,
        states=CASE_STATES,
        workers={w.id: w for w in caseload.workers_of(town_id)} if town_id else {},
    )


def _item_or_404(kind: str, source_id: int):
    item = caseload.find(kind, source_id, today())
    if item is None or not caseload.may_open(item, current_user):
        abort(404)  # another town's case: not even whether it exists
    return item


def _page(item, form, reassign_form, status=200):
    return render(
        "cases/case.html",
        fragment="forms",
        item=item,
        form=form,
        reassign_form=reassign_form,
        kinds=CASE_KINDS,
        states=CASE_STATES,
        full_number=current_user.role == Role.WORKER,
        holder=db.session.get(User, item.worker_id) if item.worker_id else None,
        saved=request.args.get("saved") == "1" and request.method == "GET",
        status=status,
    )


def _reassign_form(item, **kwargs):
    if current_user.role != Role.ADMIN:
        return None
    return ReassignForm(caseload.workers_of(item.town_id), prefix="to", **kwargs)


@bp.route("/<about>/<int:source_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def case(about: str, source_id: int):
    item = _item_or_404(about, source_id)
    form = CaseForm()
    if request.method == "GET":
        form.state.data, form.note.data = item.state, item.note
        form.next_contact.data = item.next_contact.isoformat() if item.next_contact else ""
    elif form.validate_on_submit():
        try:
            caseload.update(
                item,
                current_user,
                form.state.data,
                form.note.data or "",
                form.next_contact.value,
                form.submission_id.data,
                now(),
            )
        except caseload.CaseError as error:
            form.add_error("state", ERRORS[error.code]())
        else:
            db.session.commit()
            return redirect_to(url_for("cases.case", about=about, source_id=source_id, saved=1))
    reassign_form = _reassign_form(item, formdata=None)
    return _page(item, form, reassign_form, status=422 if form.errors else 200)


@bp.route("/<about>/<int:source_id>/reassign", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def reassign(about: str, source_id: int):
    item = _item_or_404(about, source_id)
    reassign_form = _reassign_form(item)
    if request.method == "POST" and reassign_form.validate_on_submit():
        try:
            caseload.reassign(item, current_user, int(reassign_form.worker.data), reassign_form.submission_id.data)
        except caseload.CaseError as error:
            reassign_form.add_error("worker", ERRORS[error.code]())
        else:
            db.session.commit()
            return redirect_to(url_for("cases.case", about=about, source_id=source_id, saved=1))
    form = CaseForm(formdata=None)
    form.state.data, form.note.data = item.state, item.note
    return _page(item, form, reassign_form, status=422 if reassign_form.errors else 200)


# Residents' requests to delete their data: a worker of their town, or the bureau, confirms ------


@bp.get("/deletions")
@role_required(*STAFF)
def deletions():
    town_id = current_user.town_id if current_user.role == Role.WORKER else None
    return render(
        "cases/deletions.html", requests=privacy.pending_deletions(town_id), kept=privacy.KEPT_FOR_PAID_INCENTIVES
    )


@bp.post("/deletions/<int:deletion_id>/confirm")
@role_required(*STAFF)
def confirm_deletion(deletion_id: int):
    deletion = db.session.get(DeletionRequest, deletion_id)
    if deletion is None or not privacy.may_confirm(deletion, current_user):
        abort(404)
    privacy.confirm_deletion(deletion, current_user, now())
    db.session.commit()
    return redirect_to(url_for("cases.deletions", done=1))
