"""开班请求: the bureau asks an institution to open a class where people are waiting (from a
suggestion of the 驾驶舱); the institution sees its own requests, answers, and opens the class."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth import role_required
from app.clock import today
from app.extensions import db
from app.forms.requests import ANSWERS, GROUP_REFUSALS, ClassRequestForm, RequestAnswerForm
from app.htmx import redirect_to, render
from app.i18n import weekday_names
from app.models import GroupProposal, GroupStatus, Institution, Role
from app.routes.admin import ADMIN, STAFF, bp, form_page, get_class_request, own_institution_id
from app.services import catalogue, class_requests, groups


@bp.route("/requests/new", methods=["GET", "POST"])
@role_required(*ADMIN)
def request_new():
    institutions = db.session.scalars(select(Institution).order_by(Institution.name))
    form = ClassRequestForm(institutions=list(institutions), towns=catalogue.towns(), weekdays=weekday_names())
    wanted = request.args.get("group", "")
    group = db.session.get(GroupProposal, int(wanted)) if wanted.isdecimal() and len(wanted) < 10 else None
    proposal = group if group is not None and group.status == GroupStatus.ACTIVE else None  # withdrawn: plain
    if request.method == "GET" and proposal is not None:  # an enterprise's group class fills it in
        form.town.data, form.kind.data, form.programme.data = str(proposal.town_id), proposal.kind, proposal.wanted
        form.people.data, form.weekdays.data = str(proposal.people), proposal.weekday_list
        form.note.data = class_requests.group_note(proposal)
    elif request.method == "GET":
        town_id, kind = request.args.get("town_id", ""), request.args.get("kind", "")
        about = request.args.get("about", "")[:200]
        found = (
            class_requests.draft(today(), int(town_id), kind, about)
            if town_id.isdecimal() and len(town_id) < 10 and kind in dict(form.kind.choices)
            else None
        )
        if found is not None:  # the suggestion fills it in; every part can be changed
            form.town.data, form.kind.data, form.programme.data = str(found.town_id), found.kind, found.programme
            form.people.data, form.weekdays.data = str(found.people), found.weekdays
    if form.validate_on_submit():
        # sent from a proposal: it may have been withdrawn, or asked for by another admin, meanwhile
        why = groups.why_not_ask(groups.lock(group), form.submission_id.data) if group is not None else None
        if why is not None:
            form.add_error("institution", str(GROUP_REFUSALS[why]))
            return form_page(form, _("请院校开班"), url_for("admin.dashboard"), group=proposal)
        sent = class_requests.send(form.values(), current_user, form.submission_id.data)
        if group is not None:
            groups.link_request(group, sent, current_user)
        db.session.commit()
        flash(_("开班请求已发给%(name)s。", name=sent.institution.name))
        return redirect_to(url_for("admin.class_request", request_id=sent.id))
    return form_page(form, _("请院校开班"), url_for("admin.dashboard"), group=proposal)


@bp.get("/requests")
@role_required(*STAFF)
def class_request_list():
    return render("admin/requests.html", requests=class_requests.listing(own_institution_id()), answers=ANSWERS)


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def class_request(request_id: int):
    asked = get_class_request(request_id)
    form = RequestAnswerForm()
    if request.method == "GET" and asked.answer != "pending":
        form.answer.data, form.reason.data = asked.answer, asked.answer_reason
    if request.method == "POST":
        if current_user.role != Role.INSTITUTION:  # the institution answers; the bureau reads the answer
            flash(_("只有收到请求的院校可以回复。"))
            return redirect_to(url_for("admin.class_request", request_id=asked.id))
        if form.validate_on_submit():
            class_requests.answer(asked, form.answer.data, form.reason.data or "", current_user)
            db.session.commit()
            flash(_("已回复教育局。"))
            return redirect_to(url_for("admin.class_request", request_id=asked.id))
    return render(
        "admin/request.html",
        fragment="form",
        asked=asked,
        group=groups.for_request(asked.id),
        form=form,
        answers=ANSWERS,
        status=422 if form.errors else 200,
    )
