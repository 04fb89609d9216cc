"""A term's classes from a spreadsheet: the template to fill in, and the import, all or nothing."""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.db import begin_write, reads_first
from app.extensions import db
from app.forms import admin as forms
from app.forms.base import new_submission_id
from app.htmx import redirect_to, render
from app.routes.admin import FMT, STAFF, bp, choose_institution, download, institution_for_create
from app.services import imports


@bp.route("/import", methods=["GET", "POST"])
@reads_first
@role_required(*STAFF)
def import_offerings():
    """The file is read and checked before the write lock is taken (app.db.reads_first), and the
    lock is held only for the writes."""
    form = forms.ImportForm()
    institution = institution_for_create()
    if institution is None:
        return choose_institution(_("从表格导入"))
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        parsed = imports.parse(upload.read(), upload.filename, institution)
        db.session.rollback()  # end the read; the write begins as a writer
        begin_write()
        result = imports.write(parsed, upload.filename, institution, current_user, form.submission_id.data)
        if result.ok:
            db.session.commit()
            flash(
                _(
                    "导入完成：新开 %(created)s 个班，更新 %(updated)s 个班，新建 %(programmes)s 门课程。",
                    created=result.created,
                    updated=result.updated,
                    programmes=result.programmes,
                )
            )
            for notice in imports.notices(result):
                flash(notice)
            return redirect_to(url_for("admin.offerings"))
        db.session.rollback()
        form.submission_id.data = new_submission_id()
    status = 422 if form.errors or (result and not result.ok) else 200
    return render(
        "admin/import.html", form=form, result=result, institution=institution, columns=imports.COLUMNS, status=status
    )


@bp.get(f"/import/template.{FMT}")
@role_required(*STAFF)
def import_template(fmt: str):
    return download(imports.template(fmt), fmt, "xuehou-import-template")
