"""Institution staff and the education bureau: classes, spreadsheets, rosters, completions and
incentives, the 驾驶舱 dashboard, and the bureau's lists (towns, institutions, mentors, policies, users).

Institution staff see and change only their own institution's records: every handler loads its
object through a scoped getter that answers 404 for another institution's id. Every state-changing
POST writes an audit entry (in the services) with before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import labels
from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms import admin as forms
from app.forms.base import new_submission_id
from app.htmx import redirect_to, render
from app.i18n import weekday_names
from app.models import (
    AuditEntry,
    Enrolment,
    Institution,
    Offering,
    Outcome,
    Programme,
    Session,
)
from app.services import catalogue, classes, dashboard, exports, imports, lists, outcomes

bp = Blueprint("admin", __name__, url_prefix="/admin")

STAFF = ("institution", "admin")
ADMIN = ("admin",)
FMT = "<any(xlsx, csv):fmt>"
PER_PAGE = 50


@bp.after_request
def no_store(response):
    """Rosters carry phone numbers: no admin page is kept in a shared browser's cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# Scope ------------------------------------------------------------------------------------------


def own_institution_id() -> int | None:
    """The institution whose records this user may touch; None for the bureau (all of them)."""
    return current_user.institution_id if current_user.role == "institution" else None


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


def institution_for_create() -> Institution | None:
    """Institution staff create for their own; the bureau names the institution (?institution=ID)."""
    mine = own_institution_id()
    if mine is not None:
        return db.session.get(Institution, mine)
    chosen = request.args.get("institution", "")
    return db.session.get(Institution, int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None


def choose_institution(title: str):
    institutions = db.session.scalars(select(Institution).order_by(Institution.name))
    return render("admin/choose_institution.html", title=title, institutions=list(institutions))


def download(data: bytes, fmt: str, name: str) -> Response:
    response = Response(data, mimetype=exports.MIME[fmt])
    response.headers["Content-Disposition"] = f"attachment; filename={name}.{fmt}"
    return response


# Home -------------------------------------------------------------------------------------------


@bp.get("/")
@role_required(*STAFF)
def index():
    if current_user.role == "admin":
        return redirect_to(url_for("admin.dashboard"))
    return redirect_to(url_for("admin.offerings"))


# Programmes -------------------------------------------------------------------------------------


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
    if form.validate_on_submit():
        try:
            classes.save_programme(
                programme, institution_id, form.fields_for_model(), current_user, form.submission_id.data
            )
        except classes.ClassError as error:
            form.add_error(error.field, forms.CLASS_ERRORS[error.code](**error.params))
        else:
            db.session.commit()
            flash(_("课程已保存。"))
            return redirect_to(url_for("admin.programmes"))
    return _form_page(form, title, url_for("admin.programmes"))


def _form_page(form, title: str, back: str, **extra):
    status = 422 if form.errors else 200
    return render("admin/form.html", fragment="form", form=form, title=title, back=back, status=status, **extra)


# Offerings (classes) -----------------------------------------------------------------------------


@bp.get("/offerings")
@role_required(*STAFF)
def offerings():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and len(page) < 6 else 1
    query = select(Offering)
    count = select(func.count(Offering.id))
    if own_institution_id() is not None:
        query = query.where(Offering.institution_id == own_institution_id())
        count = count.where(Offering.institution_id == own_institution_id())
    total = db.session.scalar(count) or 0
    items = db.session.scalars(
        query.options(selectinload(Offering.programme), selectinload(Offering.town), selectinload(Offering.institution))
        .order_by(Offering.start_date.desc(), Offering.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render("admin/offerings.html", offerings=list(items), total=total, page=page, pages=pages)


def _offering_form(offering: Offering | None, institution_id: int, title: str, back: str):
    programmes = db.session.scalars(
        select(Programme).where(Programme.institution_id == institution_id).order_by(Programme.name)
    )
    form = forms.OfferingForm(
        obj=offering, programmes=list(programmes), towns=catalogue.towns(), weekdays=weekday_names()
    )
    if request.method == "GET" and offering is not None:
        form.programme.data, form.town.data = str(offering.programme_id), str(offering.town_id)
        form.weekday.data = str(offering.weekday)
        for name in ("start_date", "end_date", "signup_deadline"):
            form[name].data = getattr(offering, name).isoformat()
        for name in ("start_time", "end_time"):
            form[name].data = getattr(offering, name).strftime("%H:%M")
    if form.validate_on_submit():
        try:
            saved = classes.save_offering(
                offering, institution_id, form.values(), current_user, form.submission_id.data
            )
        except classes.ClassError as error:
            form.add_error(error.field, forms.CLASS_ERRORS[error.code](**error.params))
        else:
            db.session.commit()
            flash(_("班级已保存。"))
            return redirect_to(url_for("admin.offering", offering_id=saved.id))
    return _form_page(form, title, back)


@bp.route("/offerings/new", methods=["GET", "POST"])
@role_required(*STAFF)
def offering_new():
    institution = institution_for_create()
    if institution is None:
        return choose_institution(_("新开一个班"))
    return _offering_form(None, institution.id, _("新开一个班"), url_for("admin.offerings"))


@bp.route("/offerings/<int:offering_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def offering_edit(offering_id: int):
    offering = get_offering(offering_id)
    back = url_for("admin.offering", offering_id=offering.id)
    return _offering_form(offering, offering.institution_id, _("修改班级：%(name)s", name=offering.title), back)


@bp.get("/offerings/<int:offering_id>")
@role_required(*STAFF)
def offering(offering_id: int):
    offering = get_offering(offering_id)
    counts = dict(
        db.session.execute(
            select(Enrolment.status, func.count())
            .where(Enrolment.offering_id == offering.id)
            .group_by(Enrolment.status)
        ).all()
    )
    return render("admin/offering.html", offering=offering, counts=counts, statuses=labels.ENROLMENT_STATUSES)


@bp.post("/offerings/<int:offering_id>/status")
@role_required(*STAFF)
def offering_status(offering_id: int):
    offering = get_offering(offering_id)
    form = forms.OfferingStatusForm()
    if not form.validate_on_submit():
        abort(400)
    classes.set_status(offering, form.status.data, current_user)
    db.session.commit()
    flash(_("班级状态已改为：%(status)s", status=labels.OFFERING_STATUSES[form.status.data]))
    return redirect_to(url_for("admin.offering", offering_id=offering.id))


@bp.route("/sessions/<int:session_id>/change", methods=["GET", "POST"])
@role_required(*STAFF)
def session_change(session_id: int):
    session = get_session(session_id)
    form = forms.SessionChangeForm()
    if form.validate_on_submit():
        told = classes.change_session(
            session,
            form.action.data,
            current_user,
            note=form.note.data,
            date=form.date.value,
            start=form.start_time.value,
            end=form.end_time.value,
            place=form.place.data or None,
        )
        db.session.commit()
        flash(ngettext_told(told))
        return redirect_to(url_for("admin.offering", offering_id=session.offering_id))
    back = url_for("admin.offering", offering_id=session.offering_id)
    title = _("调课或停课：%(name)s %(date)s", name=session.offering.title, date=session.date.isoformat())
    return _form_page(form, title, back, meeting=session)


def ngettext_told(told: int) -> str:
    from flask_babel import ngettext

    return ngettext("已保存，并已短信通知 %(num)s 位学员。", "已保存，并已短信通知 %(num)s 位学员。", told)


# Rosters and exports ----------------------------------------------------------------------------


@bp.get("/offerings/<int:offering_id>/roster")
@role_required(*STAFF)
def roster(offering_id: int):
    """The class's own institution and the bureau see whole numbers: they run the class."""
    offering = get_offering(offering_id)
    people = exports.roster(offering, full_phone=True)
    done = set(db.session.scalars(select(Outcome.enrolment_id).where(Outcome.enrolment_id.in_([e.id for e in people]))))
    return render("admin/roster.html", offering=offering, people=people, done=done, statuses=labels.ENROLMENT_STATUSES)


@bp.get(f"/offerings/<int:offering_id>/roster.{FMT}")
@role_required(*STAFF)
def roster_export(offering_id: int, fmt: str):
    offering = get_offering(offering_id)
    headers, rows = exports.roster_table(offering, full_phone=True)
    return download(exports.table(headers, rows, fmt), fmt, f"roster-{offering.id}")


@bp.get(f"/exports/enrolments.{FMT}")
@role_required(*STAFF)
def export_enrolments(fmt: str):
    headers, rows = exports.enrolments_table(own_institution_id(), full_phone=True)
    return download(exports.table(headers, rows, fmt), fmt, "enrolments")


@bp.get(f"/exports/needs.{FMT}")
@role_required(*ADMIN)
def export_needs(fmt: str):
    headers, rows = exports.needs_table(full_phone=True)
    return download(exports.table(headers, rows, fmt), fmt, "needs")


# Import -----------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@role_required(*STAFF)
def import_offerings():
    form = forms.ImportForm()
    institution = institution_for_create()
    if institution is None:
        return choose_institution(_("从表格导入"))
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        result = imports.run(upload.read(), upload.filename, institution, current_user, form.submission_id.data)
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


# Completions and incentives ---------------------------------------------------------------------


@bp.route("/enrolments/<int:enrolment_id>/complete", methods=["GET", "POST"])
@role_required(*STAFF)
def complete(enrolment_id: int):
    enrolment = get_enrolment(enrolment_id)
    form = forms.CompletionForm()
    if request.method == "GET":
        programme = enrolment.offering.programme
        form.kind.data = {"degree": "degree", "skill": "certificate"}.get(programme.kind, "completion")
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
            )
        except outcomes.OutcomeError as error:
            form.add_error("kind", forms.OUTCOME_ERRORS[error.code]())
        else:
            db.session.commit()
            flash(_("已登记。应发补贴 %(amount)s 元。", amount=outcome.incentive_amount))
            return redirect_to(url_for("admin.roster", offering_id=enrolment.offering_id))
    back = url_for("admin.roster", offering_id=enrolment.offering_id)
    title = _("登记结业或取证：%(name)s", name=enrolment.resident.name)
    return _form_page(form, title, back, enrolment=enrolment)


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


# Dashboard --------------------------------------------------------------------------------------


def dashboard_tables() -> dict[str, Any]:
    day = today()
    towns = dashboard._towns()
    seats_offerings, seats = dashboard.supply(day, towns)
    return dict(
        demand=dashboard.demand(towns),
        supply=seats_offerings,
        seats=seats,
        gaps=dashboard.gaps(day),
        funnel=dashboard.funnel(),
        trends=dashboard.trends(day),
        money=dashboard.incentives(),
        policies=dashboard.policy_count(),
    )


@bp.get("/dashboard", endpoint="dashboard")
@role_required(*ADMIN)
def dashboard_page():
    data = dashboard_tables()
    demand_rows = [
        (name, [data["demand"].row_total(t), data["seats"].row_total(t)]) for t, name in data["demand"].towns
    ]
    funnel_rows = [(str(labels.FUNNEL_STAGES[s.key]), [s.count]) for s in data["funnel"]]
    return render(
        "admin/dashboard.html",
        funnel_labels=labels.FUNNEL_STAGES,
        demand_rows=demand_rows,
        funnel_rows=funnel_rows,
        **data,
    )


@bp.get(f"/dashboard/<any({', '.join(exports.DASHBOARD_TABLES)}):table>.{FMT}")
@role_required(*ADMIN)
def dashboard_export(table: str, fmt: str):
    headers, rows = exports.dashboard_table(table, dashboard_tables())
    return download(exports.table(headers, rows, fmt), fmt, f"dashboard-{table}")


# The bureau's lists -----------------------------------------------------------------------------


@dataclass
class Resource:
    """How the bureau's page for one of its lists (app.services.lists) looks: title, columns, form."""

    title: Any
    columns: list[tuple[Any, str]]  # (heading, attribute)

    def form(self, obj=None, new=False):
        raise NotImplementedError


class TownResource(Resource):
    def form(self, obj=None, new=False):
        return forms.TownForm(obj=obj)


class InstitutionResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.InstitutionForm(obj=obj, towns=catalogue.towns())
        if obj is not None and request.method == "GET":
            form.town.data = str(obj.town_id)
        return form


class MentorResource(Resource):
    def form(self, obj=None, new=False):
        institutions = list(db.session.scalars(select(Institution).order_by(Institution.name)))
        form = forms.MentorForm(obj=obj, institutions=institutions)
        if obj is not None and request.method == "GET":
            form.institution.data = str(obj.institution_id)
        if new and request.method == "GET":
            form.active.data = True
        return form


class PolicyResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.PolicyForm(obj=obj)
        if obj is not None and request.method == "GET":
            form.value.data, form.cap.data = str(obj.value), "" if obj.cap is None else str(obj.cap)
            form.residence.data = obj.residence or ""
        if new and request.method == "GET":
            form.active.data = True
        return form


class UserResource(Resource):
    def form(self, obj=None, new=False):
        institutions = list(db.session.scalars(select(Institution).order_by(Institution.name)))
        form = forms.UserForm(obj=obj, institutions=institutions, towns=catalogue.towns(), new=new)
        if request.method == "GET":
            form.password.data = ""
            if obj is not None:
                form.institution.data = str(obj.institution_id or "")
                form.town.data = str(obj.town_id or "")
            else:
                form.active.data = True
        return form


RESOURCES: dict[str, Resource] = {
    "towns": TownResource(_l("镇/街道"), [(_l("名称"), "name"), (_l("排序"), "sort_order")]),
    "institutions": InstitutionResource(_l("院校和机构"), [(_l("名称"), "name"), (_l("电话"), "phone")]),
    "mentors": MentorResource(_l("导师"), [(_l("姓名"), "name"), (_l("指导方向"), "kinds")]),
    "policies": PolicyResource(_l("补贴政策"), [(_l("编号"), "code"), (_l("名称"), "name")]),
    "users": UserResource(_l("工作人员账户"), [(_l("用户名"), "username"), (_l("姓名"), "name")]),
}
RESOURCE = f"<any({', '.join(lists.KINDS)}):kind>"


@bp.get(f"/{RESOURCE}")
@role_required(*ADMIN)
def resource_list(kind: str):
    return render("admin/list.html", kind=kind, resource=RESOURCES[kind], items=lists.items(kind))


@bp.route(f"/{RESOURCE}/new", methods=["GET", "POST"])
@role_required(*ADMIN)
def resource_new(kind: str):
    return _resource_form(kind, None)


@bp.route(f"/{RESOURCE}/<int:item_id>/edit", methods=["GET", "POST"])
@role_required(*ADMIN)
def resource_edit(kind: str, item_id: int):
    return _resource_form(kind, db.get_or_404(lists.MODELS[kind], item_id))


def _resource_form(kind: str, obj):
    resource = RESOURCES[kind]
    form = resource.form(obj, new=obj is None)
    if form.validate_on_submit():
        try:
            saved = lists.save(kind, obj, form.values(), current_user, form.submission_id.data)
        except lists.ListError as error:
            form.add_error(error.field, forms.LIST_ERRORS[error.code](**error.params))
        else:
            db.session.commit()
            if not saved.replayed:
                flash(_("已保存。"))
            return redirect_to(url_for("admin.resource_list", kind=kind, _anchor=f"item-{saved.item.id}"))
    title = _("新增：%(what)s", what=resource.title) if obj is None else _("修改：%(what)s", what=resource.title)
    return _form_page(form, title, url_for("admin.resource_list", kind=kind))


# Audit ------------------------------------------------------------------------------------------


@bp.get("/audit")
@role_required(*ADMIN)
def audit():
    action = request.args.get("action", "")[:40]
    query = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc()).limit(200)
    if action:
        query = query.where(AuditEntry.action == action)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return render("admin/audit.html", entries=list(db.session.scalars(query)), action=action, actions=list(actions))
