"""The audit trail: who changed what, with before and after, the latest 200, by action."""

from __future__ import annotations

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import role_required
from app.extensions import db
from app.htmx import render
from app.models import AuditEntry
from app.routes.admin import ADMIN, bp


@bp.get("/audit")
@role_required(*ADMIN)
def audit():
    action = request.args.get("action", "")[:40]
    query = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc()).limit(200)
    if action:
        query = query.where(AuditEntry.action == action)
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return render("admin/audit.html", entries=list(db.session.scalars(query)), action=action, actions=list(actions))
