"""Staff log-in (Flask-Login) and the role check every staff route carries."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, request, url_for
from flask_login import current_user

from app.extensions import db, login_manager
from app.htmx import redirect_to, render
from app.models import User
from app.services import outbox


def role_required(*roles: str):
    """Anonymous → the log-in page (coming back here afterwards); wrong role → 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect_to(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # read by the authorisation walk test
        return wrapped

    return decorator


def entered_by_this_worker(view):
    """A worker's form: what another worker entered on this phone is refused (409), not filed under
    the one logged in; the phone's outbox keeps it for them (see app.services.outbox)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST" and current_user.is_authenticated:
            other = outbox.other_worker(request.form.get("worker"), request.form.get("submission_id"), current_user)
            if other is not None:
                return render("worker/other_worker.html", other=other, status=409)
        return view(*args, **kwargs)

    return wrapped


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id)) if user_id.isdigit() else None
