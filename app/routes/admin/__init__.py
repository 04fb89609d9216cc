"""Institution staff and the education bureau: one blueprint, `admin`, with a module per area.

- programmes.py  课程: the programmes an institution teaches
- offerings.py   开班: classes, their status, and single sessions moved or cancelled
- rosters.py     花名册 and the spreadsheet exports of enrolments and needs
- imports.py     a term's classes from a spreadsheet
- outcomes.py    completions and the incentives the bureau pays
- dashboard.py   the admin home and the bureau's 驾驶舱
- lists.py       the bureau's lists: towns, institutions, mentors, policies, staff accounts
- audit.py       the audit trail
- messages.py    text messages and what became of each
- requests.py    the bureau's requests to open a class, and the institutions' answers

Institution staff see and change only their own institution's records: every handler loads its
object through a scoped getter here that answers 404 for another institution's id. Every
state-changing POST writes an audit entry (in the services) with before and after. The modules
import what they share from this package, never from each other."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.htmx import is_htmx, render
from app.models import ClassRequest, Enrolment, Institution, Offering, Programme, Role, Session
from app.services import catalogue, exports, versions

bp = Blueprint("admin", __name__, url_prefix="/admin")

STAFF = (Role.INSTITUTION, Role.ADMIN)
ADMIN = (Role.ADMIN,)
FMT = "<any(xlsx, csv):fmt>"


@bp.after_request
def no_store(response):
    """Rosters carry phone numbers: no admin page is kept in a shared browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# Scope ------------------------------------------------------------------------------------------


def own_institution_id() -> int | None:
    """The institution whose records this user may touch; None for the bureau (all of them)."""
    return current_user.institution_id if current_user.role == Role.INSTITUTION else None


def _scoped(obj, institution_id: int | None):
    mine = own_institution_id()
    if obj is None or (mine is not None and institution_id != mine):
        abort(404)
    return obj


def get_programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    return _scoped(programme, programme and programme.institution_id)


def get_offering(offering_id: int) -> Offering:
    offering = catalogue.get_offering(offering_id)
    return _scoped(offering, offering and offering.institution_id)


def get_session(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    return _scoped(session, session and session.offering.institution_id)


def get_enrolment(enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    return _scoped(enrolment, enrolment and enrolment.offering.institution_id)


def get_class_request(request_id: int) -> ClassRequest:
    """A request of the bureau to open a class: an institution sees only those sent to it."""
    asked = db.session.get(ClassRequest, request_id)
    return _scoped(asked, asked and asked.institution_id)


def institution_for_create() -> Institution | None:
    """Institution staff create for their own; the bureau names the institution (?institution=ID)."""
    mine = own_institution_id()
    if mine is not None:
        return db.session.get(Institution, mine)
    chosen = request.args.get("institution", "")
    return db.session.get(Institution, int(chosen)) if chosen.isdecimal() and len(chosen) < 10 else None


# Answers the areas share -------------------------------------------------------------------------


def choose_institution(title: str):
    institutions = db.session.scalars(select(Institution).order_by(Institution.name))
    return render("admin/choose_institution.html", title=title, institutions=list(institutions))


def form_page(form, title: str, back: str, conflict: versions.Conflict | None = None, **extra):
    """admin/form.html with the form (only the form for HTMX); 422 when it has errors. With a
    `conflict` (someone saved the record since the form was loaded): 409, the form as typed, what is
    saved now beside it field by field, and the record's new version, so saving again wins (422 for
    HTMX, which swaps only that in)."""
    status = 422 if form.errors else 200
    rows = None
    if conflict is not None:
        form.version.data = str(conflict.version)
        rows = conflict_rows(form, conflict)
        status = 422 if is_htmx() else 409
    return render(
        "admin/form.html",
        fragment="form",
        form=form,
        title=title,
        back=back,
        conflict=conflict,
        conflict_rows=rows,
        status=status,
        **extra,
    )


def conflict_rows(form, conflict: versions.Conflict) -> list[tuple[str, str, str]]:
    """(the field's label, what is saved now, what was typed) for each field where they differ."""
    rows = []
    for column, (saved, typed) in conflict.differences.items():
        field = form._fields.get(column) or form._fields.get(column.removesuffix("_id"))
        label = str(field.label.text) if field is not None else column
        rows.append((label, shown(field, saved), shown(field, typed)))
    return rows


def shown(field, value) -> str:
    """A value as the form shows it: a choice by its label, a time as 08:30, yes or no."""
    if value is None or value == "":
        return _("（空）")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if field is not None and hasattr(field, "iter_choices"):
        labels = {str(choice[0]): str(choice[1]) for choice in field.iter_choices()}
        if str(value) in labels:
            return labels[str(value)]
    return str(value)


def download(data: bytes, fmt: str, name: str) -> Response:
    response = Response(data, mimetype=exports.MIME[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename={name}.{fmt}"
    return response


def stream(export: exports.Export, fmt: str) -> Response:
    """A large export sent while it is written: the rows are read in batches inside the request's
    context, so memory stays flat and the first bytes leave at once. Commit before calling."""
    response = Response(stream_with_context(exports.export_chunks(export, fmt)), mimetype=exports.MIME[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename={export.name}.{fmt}"
    return response


# The areas' views register themselves on `bp` when imported (after it exists).
from app.routes.admin import (  # noqa: E402, F401
    audit,
    dashboard,
    imports,
    learning,
    lists,
    messages,
    offerings,
    outcomes,
    programmes,
    requests,
    rosters,
)
