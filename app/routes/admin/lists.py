"""The lists the education bureau keeps — towns, institutions, mentors, policies, staff accounts and
the learning vocabulary (words for programmes, certificate and degree ladders) —
each listed, added and edited with one set of views; saving is app.services.lists.save()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.auth import role_required
from app.extensions import db
from app.forms import admin as forms
from app.htmx import redirect_to, render
from app.models import Institution, Mentor, Role, User
from app.routes.admin import ADMIN, bp, form_page
from app.services import catalogue, lists, versions


@dataclass
class Resource:
    """How the bureau's page for one of its lists (app.services.lists) looks: title, columns, form."""

    title: Any
    columns: list[tuple[Any, str]]  # (heading, attribute)

    def form(self, obj=None, new=False):
        raise NotImplementedError


class TownResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.TownForm(obj=obj)
        if obj is not None and request.method == "GET":
            form.sort_order.data = str(obj.sort_order)
            form.latitude.data = "" if obj.latitude is None else str(obj.latitude)
            form.longitude.data = "" if obj.longitude is None else str(obj.longitude)
        return form


class TermResource(Resource):
    def form(self, obj=None, new=False):
        return forms.TermForm(obj=obj)


class CertificateStepResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.CertificateStepForm(obj=obj)
        if obj is not None and request.method == "GET":
            form.requires_level.data = obj.requires_level or ""
        return form


class DegreeStepResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.DegreeStepForm(obj=obj)
        if obj is not None and request.method == "GET":
            form.position.data = str(obj.position)
            form.requires_education.data = obj.requires_education or ""
        return form


class InstitutionResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.InstitutionForm(obj=obj, towns=catalogue.towns())
        if obj is not None and request.method == "GET":
            form.town.data = str(obj.town_id)
        return form


class MentorResource(Resource):
    def form(self, obj=None, new=False):
        institutions = list(db.session.scalars(select(Institution).order_by(Institution.name)))
        accounts = list(db.session.scalars(select(User).where(User.role == Role.MENTOR).order_by(User.username)))
        linked = dict(db.session.execute(select(Mentor.user_id, Mentor.id).where(Mentor.user_id.is_not(None))).all())
        taken = {user_id for user_id, mentor_id in linked.items() if obj is None or mentor_id != obj.id}
        form = forms.MentorForm(obj=obj, institutions=institutions, accounts=accounts, taken=taken)
        if obj is not None and request.method == "GET":
            form.institution.data = str(obj.institution_id)
            form.account.data = str(obj.user_id or "")
        if new and request.method == "GET":
            form.active.data = True
        return form


class PolicyResource(Resource):
    def form(self, obj=None, new=False):
        form = forms.PolicyForm(obj=obj)
        if new and request.method == "GET":
            form.benefit.data = "cash"
        if obj is not None and request.method == "GET":
            form.value.data, form.cap.data = str(obj.value), "" if obj.cap is None else str(obj.cap)
            form.residence.data = obj.residence or ""
            form.min_insurance_months.data = "" if obj.min_insurance_months is None else str(obj.min_insurance_months)
            form.claim_months.data = "" if obj.claim_months is None else str(obj.claim_months)
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
    "towns": TownResource(
        _l("镇/街道"),
        [(_l("名称"), "name"), (_l("排序"), "sort_order"), (_l("纬度"), "latitude"), (_l("经度"), "longitude")],
    ),
    "institutions": InstitutionResource(_l("院校和机构"), [(_l("名称"), "name"), (_l("电话"), "phone")]),
    "mentors": MentorResource(_l("导师"), [(_l("姓名"), "name"), (_l("指导方向"), "kinds")]),
    "policies": PolicyResource(_l("补贴政策"), [(_l("编号"), "code"), (_l("名称"), "name")]),
    "users": UserResource(_l("工作人员账户"), [(_l("用户名"), "username"), (_l("姓名"), "name")]),
    "terms": TermResource(
        _l("课程的说法"), [(_l("居民的说法"), "word"), (_l("指的课程"), "programme"), (_l("类别"), "kind")]
    ),
    "cert_steps": CertificateStepResource(
        _l("证书等级阶梯"),
        [(_l("职业"), "occupation"), (_l("等级"), "level"), (_l("要先有"), "requires_level"), (_l("条件"), "requires")],
    ),
    "degree_steps": DegreeStepResource(
        _l("学历阶梯"),
        [
            (_l("学历层次"), "level"),
            (_l("叫法"), "route"),
            (_l("至少要"), "requires_education"),
            (_l("条件"), "requires"),
        ],
    ),
}
RESOURCE = f"<any({', '.join(lists.LISTS)}):kind>"  # RESOURCES has each


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
    return _resource_form(kind, db.get_or_404(lists.LISTS[kind].model, item_id))


def _resource_form(kind: str, obj):
    resource = RESOURCES[kind]
    form = resource.form(obj, new=obj is None)
    conflict = None
    if form.validate_on_submit():
        try:
            saved = lists.save(kind, obj, form.values(), current_user, form.submission_id.data, form.loaded_version)
        except lists.ListError as error:
            form.add_error(error.field, forms.LIST_ERRORS[error.code](**error.params))
        except versions.Conflict as stale:
            conflict = stale
        else:
            db.session.commit()
            if not saved.replayed:
                flash(_("已保存。"))
            return redirect_to(url_for("admin.resource_list", kind=kind, _anchor=f"item-{saved.item.id}"))
    title = _("新增：%(what)s", what=resource.title) if obj is None else _("修改：%(what)s", what=resource.title)
    return form_page(form, title, url_for("admin.resource_list", kind=kind), conflict=conflict)
