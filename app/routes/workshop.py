"""共富工坊 in the village: the workshop leader (a community worker of the order's town) takes an
enterprise's work order, gives portions to residents by skill level, and records what each handed
in and earned."""

from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms.admin import ButtonForm
from app.forms.work import WORK_ERRORS, AnswerForm, AssignForm, HandInForm
from app.htmx import redirect_to, render
from app.models import RequestStatus, Role, WorkOrder, WorkPortion, WorkRequest
from app.services import workshop

bp = Blueprint("workshop", __name__, url_prefix="/worker/workshop")
WORKER = (Role.WORKER,)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _in_my_town(order: WorkOrder | None) -> WorkOrder:
    if order is None or order.town_id != current_user.town_id:
        abort(404)
    return order


@bp.get("/")
@role_required(*WORKER)
def index():
    return render("workshop/index.html", orders=workshop.of_town(current_user.town_id), form=ButtonForm())


@bp.post("/orders/<int:order_id>/take")
@role_required(*WORKER)
def take(order_id: int):
    order = _in_my_town(db.session.get(WorkOrder, order_id))
    if ButtonForm().validate_on_submit() and workshop.take(order, current_user):
        db.session.commit()
        flash(_("已接单，可以给居民分活了。"))
    return redirect_to(url_for("workshop.order", order_id=order.id))


def _page(order: WorkOrder, assign_form=None, hand_in=None, answer=None, status: int = 200):
    forms = {p.id: HandInForm(formdata=None, prefix=f"p{p.id}") for p in order.portions}
    if hand_in is not None:
        forms[hand_in[0]] = hand_in[1]
    waiting = workshop.waiting(order)
    answer_forms = {r.id: AnswerForm(formdata=None, prefix=f"r{r.id}") for r in waiting}
    if answer is not None:
        answer_forms[answer[0]] = answer[1]
    return render(
        "workshop/order.html",
        order=order,
        assign_form=assign_form or AssignForm(formdata=None),
        hand_in_forms=forms,
        waiting=waiting,
        answer_forms=answer_forms,
        candidates=workshop.candidates(order, today()),
        take_form=ButtonForm(),
        status=status,
    )


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@role_required(*WORKER)
def order(order_id: int):
    """The order, who has which portion, and the form that gives out a portion."""
    found = _in_my_town(db.session.get(WorkOrder, order_id))
    form = AssignForm()
    if form.validate_on_submit():
        try:
            workshop.assign(found, current_user, form.phone.data, form.quantity.value, today(), form.submission_id.data)
        except workshop.WorkError as error:
            field = "quantity" if error.code == "too_many" else "phone"
            form.add_error(
                field, str(WORK_ERRORS[error.code]) % error.params if error.params else WORK_ERRORS[error.code]
            )
            db.session.rollback()
            return _page(db.session.get(WorkOrder, order_id), assign_form=form, status=422)
        db.session.commit()
        flash(_("已分活。"))
        return redirect_to(url_for("workshop.order", order_id=found.id))
    return _page(found, assign_form=form, status=422 if form.errors else 200)


@bp.post("/portions/<int:portion_id>")
@role_required(*WORKER)
def hand_in(portion_id: int):
    portion = db.session.get(WorkPortion, portion_id)
    if portion is None:
        abort(404)
    order = _in_my_town(portion.order)
    form = HandInForm(prefix=f"p{portion.id}")
    if form.validate_on_submit():
        try:
            workshop.hand_in(portion, current_user, form.handed_in.value)
        except workshop.WorkError as error:
            form.add_error("handed_in", str(WORK_ERRORS[error.code]) % error.params)
            db.session.rollback()
            return _page(order, hand_in=(portion.id, form), status=422)
        db.session.commit()
        flash(_("已记录交回的件数和收入。"))
        return redirect_to(url_for("workshop.order", order_id=order.id) + f"#portion-{portion.id}")
    return _page(order, hand_in=(portion.id, form), status=422)


@bp.post("/requests/<int:work_request_id>")
@role_required(*WORKER)
def answer(work_request_id: int):
    """Confirm a resident's request (the number asked, or another agreed with them) or decline it."""
    found = db.session.get(WorkRequest, work_request_id)
    if found is None:
        abort(404)
    order = _in_my_town(found.order)
    form = AnswerForm(prefix=f"r{found.id}")
    if form.validate_on_submit() and form.answer.data in ("confirm", "decline"):
        confirm = form.answer.data == "confirm"
        try:
            answered = workshop.answer(found, current_user, confirm, form.quantity.value, form.submission_id.data)
        except workshop.WorkError as error:
            db.session.rollback()
            if error.code == "gone":  # as when it was gone before the press
                abort(404)
            form.add_error("quantity", str(WORK_ERRORS[error.code]) % error.params)
            return _page(db.session.get(WorkOrder, order.id), answer=(work_request_id, form), status=422)
        db.session.commit()
        if answered.status == RequestStatus.CONFIRMED:
            flash(_("已确认：分给%(name)s %(n)s 件。", name=answered.resident.name, n=answered.portion.quantity))
        else:
            flash(_("已婉拒%(name)s的申请，这些件数可以再分。", name=answered.resident.name))
        return redirect_to(url_for("workshop.order", order_id=order.id) + "#requests")
    if not form.errors:
        form.add_error("quantity", _("请按“确认”或“婉拒”"))
    return _page(order, answer=(work_request_id, form), status=422)
