"""Completions (结业、取证、毕业) recorded from a class's roster, the incentive each is owed under the
policies, and the bureau marking it paid."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms import admin as forms
from app.htmx import redirect_to, render
from app.models import Outcome, OutcomeKind
from app.routes.admin import ADMIN, STAFF, bp, form_page, get_enrolment, own_institution_id
from app.services import dashboard, outcomes


@bp.route("/enrolments/<int:enrolment_id>/complete", methods=["GET", "POST"])
@role_required(*STAFF)
def complete(enrolment_id: int):
    enrolment = get_enrolment(enrolment_id)
    form = forms.CompletionForm(ask=outcomes.facts_to_ask(enrolment))
    if request.method == "GET":
        programme = enrolment.offering.programme
        form.kind.data = OutcomeKind.for_kind(programme.kind)
        form.level.data = programme.degree_level or programme.cert_level or ""
        form.completed_on.data = min(enrolment.offering.end_date, today()).isoformat()
    if form.validate_on_submit():
        try:
            outcome = outcomes.record(
                enrolment,
                form.kind.data,
                form.level.data or None,
                form.evidence.data,
                form.completed_on.value,
                current_user,
                form.submission_id.data,
                residence=form.residence.data if "residence" in form else None,
            )
        except outcomes.OutcomeError as error:
            field = forms.OUTCOME_FIELDS.get(error.code, "kind")
            form.add_error(field if field in form else "kind", forms.OUTCOME_ERRORS[error.code](**error.params))
        else:
            db.session.commit()
            flash(_("已登记。应发补贴 %(amount)s 元。", amount=outcome.incentive_amount))
            return redirect_to(url_for("admin.roster", offering_id=enrolment.offering_id))
    back = url_for("admin.roster", offering_id=enrolment.offering_id)
    title = _("登记结业或取证：%(name)s", name=enrolment.resident.name)
    return form_page(form, title, back, enrolment=enrolment)


@bp.get("/outcomes")
@role_required(*STAFF)
def outcome_list():
    show = request.args.get("show", "unpaid")
    query = (
        select(Outcome)
        .options(selectinload(Outcome.resident), selectinload(Outcome.programme))
        .order_by(Outcome.completed_on.desc(), Outcome.id.desc())
        .limit(200)
    )
    if own_institution_id() is not None:
        query = query.where(Outcome.institution_id == own_institution_id())
    if show == "unpaid":
        query = query.where(Outcome.paid_at.is_(None))
    return render("admin/outcomes.html", items=list(db.session.scalars(query)), show=show, money=dashboard.incentives())


@bp.post("/outcomes/<int:outcome_id>/paid")
@role_required(*ADMIN)
def outcome_paid(outcome_id: int):
    outcome = db.get_or_404(Outcome, outcome_id)
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    if outcomes.mark_paid(outcome, current_user):
        db.session.commit()
        flash(
            _("已标记为已发放：%(name)s %(amount)s 元。", name=outcome.resident.name, amount=outcome.incentive_amount)
        )
    return redirect_to(url_for("admin.outcome_list"))
