"""Text messages: what became of each (queued, sent, failed and why), the latest 200, by state.
For the bureau only; numbers masked (the audit trail has each final state too)."""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from app.auth import role_required
from app.extensions import db
from app.htmx import render
from app.models import Message, MessageState
from app.routes.admin import ADMIN, bp


@bp.get("/messages")
@role_required(*ADMIN)
def messages():
    state = request.args.get("state", "")
    query = select(Message).order_by(Message.id.desc()).limit(200)
    if state in set(MessageState):
        query = query.where(Message.state == state)
    else:
        state = ""
    return render("admin/messages.html", found=list(db.session.scalars(query)), state=state, states=list(MessageState))
