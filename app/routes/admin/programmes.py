"""课程: the programmes an institution teaches (the bureau sees every institution's)."""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import role_required
from app.extensions import db
from app.forms import admin as forms
from app.htmx import redirect_to, render
from app.models import Programme
from app.routes.admin import (
    STAFF,
    bp,
    choose_institution,
    form_page,
    get_programme,
    institution_for_create,
    own_institution_id,
)
from app.services import classes, versions


@bp.get("/programmes")
@role_required(*STAFF)
def programmes():
    query = select(Programme).options(selectinload(Programme.institution)).order_by(Programme.kind, Programme.name)
    if own_institution_id() is not None:
        query = query.where(Programme.institution_id == own_institution_id())
    return render("admin/programmes.html", programmes=list(db.session.scalars(query)))


@bp.route("/programmes/new", methods=["GET", "POST"])
@role_required(*STAFF)
def programme_new():
    institution = institution_for_create()
    if institution is None:
        return choose_institution(_("新建课程"))
    return _programme_form(None, institution.id, _("新建课程"))


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def programme_edit(programme_id: int):
    programme = get_programme(programme_id)
    return _programme_form(programme, programme.institution_id, _("修改课程：%(name)s", name=programme.name))


def _programme_form(programme: Programme | None, institution_id: int, title: str):
    form = forms.ProgrammeForm(obj=programme)
    conflict = None
    if form.validate_on_submit():
        try:
            classes.save_programme(
                programme,
                institution_id,
                form.fields_for_model(),
                current_user,
                form.submission_id.data,
                form.loaded_version,
            )
        except classes.ClassError as error:
            form.add_error(error.field, forms.CLASS_ERRORS[error.code](**error.params))
        except versions.Conflict as stale:
            conflict = stale
        else:
            db.session.commit()
            flash(_("课程已保存。"))
            return redirect_to(url_for("admin.programmes"))
    return form_page(form, title, url_for("admin.programmes"), conflict=conflict)
