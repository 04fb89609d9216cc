"""Learning records residents declared (证书、学历、结业 earned outside Xuehou), checked by the bureau
before matching and the job match count them. Only the bureau: a claim belongs to no institution, and
an institution accepting anyone's certificate would put it before every enterprise."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.extensions import db
from app.forms import admin as forms
from app.htmx import redirect_to, render
from app.models import LearningClaim, Role
from app.routes.admin import bp
from app.services import learning


@bp.get("/learning-claims")
@role_required(Role.ADMIN)
def learning_claims():
    return render("admin/learning_claims.html", claims=learning.pending_claims(), form=forms.ButtonForm())


@bp.post("/learning-claims/<int:claim_id>")
@role_required(Role.ADMIN)
def learning_claim_check(claim_id: int):
    claim = db.session.get(LearningClaim, claim_id) or abort(404)
    form = forms.ButtonForm()
    if form.validate_on_submit() and learning.check(claim, request.form.get("decision") == "accept", current_user):
        db.session.commit()
        flash(_("已核对：%(name)s", name=claim.name))
    return redirect_to(url_for("admin.learning_claims"))
