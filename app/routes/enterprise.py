"""Enterprises (企业): their jobs, the opted-in learners who hold what a job wants (masked until the
learner agrees to be put in touch), 共富工坊 work orders for a village workshop, and group classes
for their employees (企业组班)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms.admin import ButtonForm
from app.forms.groups import GroupForm
from app.forms.work import JobChangeForm, JobForm, WorkOrderForm
from app.htmx import redirect_to, render
from app.i18n import weekday_names
from app.models import ContactRequest, GroupProposal, Job, Role, WorkOrder
from app.services import catalogue, groups, jobs, workshop
from app.templating import external_url

bp = Blueprint("enterprise", __name__, url_prefix="/enterprise")
ENTERPRISE = (Role.ENTERPRISE,)


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _own(obj):
    if obj is None or obj.institution_id != current_user.institution_id:
        abort(404)
    return obj


@bp.get("/")
@role_required(*ENTERPRISE)
def index():
    mine = current_user.institution_id
    return render(
        "enterprise/index.html",
        jobs=jobs.of_enterprise(mine),
        orders=workshop.of_enterprise(mine),
        groups=groups.views(groups.of_enterprise(mine), today()),
    )


@bp.route("/jobs/new", methods=["GET", "POST"])
@role_required(*ENTERPRISE)
def new_job():
    form = JobForm(towns=catalogue.towns())
    if form.validate_on_submit():
        given = jobs.JobInput(
            title=form.title.data,
            town_id=int(form.town.data),
            pay_min=form.pay_min.value,
            pay_max=form.pay_max.value,
            shifts=form.shifts.data,
            occupation=form.occupation.data,
            cert_level=form.cert_level.data or None,
            openings=form.openings.value,
        )
        job = jobs.post(current_user, form.submission_id.data, given)
        db.session.commit()
        return redirect_to(url_for("enterprise.job", job_id=job.id))
    return render(
        "enterprise/form.html", fragment="form", form=form, title=_("发布岗位"), status=422 if form.errors else 200
    )


def _job_page(found: Job, change: JobChangeForm | None = None, status: int = 200):
    if change is None:
        change = JobChangeForm(formdata=None)
        change.openings.data, change.status.data = str(found.openings), found.status
    learners = jobs.learners_for(found, today())
    return render(
        "enterprise/job.html",
        fragment="change_form",
        job=found,
        learners=learners,
        new_learners=jobs.newly_qualified(learners),
        form=ButtonForm(),
        change=change,
        status=status,
    )


@bp.get("/jobs/<int:job_id>")
@role_required(*ENTERPRISE)
def job(job_id: int):
    return _job_page(_own(db.session.get(Job, job_id)))


@bp.post("/jobs/<int:job_id>/change")
@role_required(*ENTERPRISE)
def change_job(job_id: int):
    """More or fewer people wanted, closed or reopened (reopening or wanting more tells those it fits)."""
    found = _own(db.session.get(Job, job_id))
    form = JobChangeForm()
    if form.validate_on_submit():
        if jobs.change(found, current_user, form.openings.value, form.status.data == "open", form.submission_id.data):
            flash(_("已保存。"))
        db.session.commit()
        return redirect_to(url_for("enterprise.job", job_id=job_id))
    return _job_page(found, change=form, status=422)


@bp.post("/jobs/<int:job_id>/contact/<int:resident_id>")
@role_required(*ENTERPRISE)
def contact(job_id: int, resident_id: int):
    found = _own(db.session.get(Job, job_id))
    if ButtonForm().validate_on_submit():
        try:
            jobs.request_contact(found, resident_id, current_user, today())
        except jobs.JobError:
            abort(404)
        db.session.commit()
        flash(_("已发出联系请求。居民在“我的学习”里同意后，您就能看到姓名和手机号。"))
    return redirect_to(url_for("enterprise.job", job_id=job_id))


@bp.post("/requests/<int:request_id>/hired")
@role_required(*ENTERPRISE)
def hired(request_id: int):
    found = db.session.get(ContactRequest, request_id)
    if found is None:
        abort(404)
    _own(found.job)
    if ButtonForm().validate_on_submit() and jobs.mark_hired(found, current_user, today()):
        db.session.commit()
        flash(_("已记录录用。"))
    return redirect_to(url_for("enterprise.job", job_id=found.job_id))


@bp.route("/orders/new", methods=["GET", "POST"])
@role_required(*ENTERPRISE)
def new_order():
    form = WorkOrderForm(towns=catalogue.towns())
    if form.validate_on_submit():
        given = workshop.OrderInput(
            what=form.what.data,
            quantity=form.quantity.value,
            piece_rate=form.piece_rate.value,
            deadline=form.deadline.value,
            occupation=form.occupation.data or None,
            cert_level=form.cert_level.data or None,
            town_id=int(form.town.data),
            workshop=form.workshop.data,
        )
        order = workshop.post(current_user, form.submission_id.data, given)
        db.session.commit()
        return redirect_to(url_for("enterprise.order", order_id=order.id))
    return render(
        "enterprise/form.html",
        fragment="form",
        form=form,
        title=_("发布共富工坊订单"),
        status=422 if form.errors else 200,
    )


@bp.get("/orders/<int:order_id>")
@role_required(*ENTERPRISE)
def order(order_id: int):
    return render("enterprise/order.html", order=_own(db.session.get(WorkOrder, order_id)))


@bp.route("/groups/new", methods=["GET", "POST"])
@role_required(*ENTERPRISE)
def new_group():
    form = GroupForm(towns=catalogue.towns(), weekdays=weekday_names())
    if request.method == "GET" and not form.town.data and current_user.institution is not None:
        form.town.data = str(current_user.institution.town_id or "")  # most employees work where it is
    if form.validate_on_submit():
        proposal = groups.propose(current_user, form.submission_id.data, form.values())
        db.session.commit()
        flash(_("组班申请已提交。教育局会在驾驶舱看到，并请院校开班。"))
        return redirect_to(url_for("enterprise.group", group_id=proposal.id))
    return render(
        "enterprise/form.html",
        fragment="form",
        form=form,
        title=_("为员工申请组班"),
        submit=_("提交组班申请"),
        status=422 if form.errors else 200,
    )


@bp.get("/groups/<int:group_id>")
@role_required(*ENTERPRISE)
def group(group_id: int):
    found = groups.view(_own(db.session.get(GroupProposal, group_id)), today())
    share = external_url("courses.detail", offering_id=found.offering.id) if found.offering else None
    return render("enterprise/group.html", group=found, share=share, form=ButtonForm())


@bp.post("/groups/<int:group_id>/withdraw")
@role_required(*ENTERPRISE)
def withdraw_group(group_id: int):
    found = _own(db.session.get(GroupProposal, group_id))
    if ButtonForm().validate_on_submit() and groups.withdraw(found, current_user):
        db.session.commit()
        flash(_("组班申请已撤回，不再计入开班需求。"))
    return redirect_to(url_for("enterprise.group", group_id=group_id))
