"""Staff log-in and log-out, at /worker/login, /admin/login and /enterprise/login (one view, rate-limited)."""

from __future__ import annotations

from flask import Blueprint, request, session, url_for
from flask_login import logout_user

from app import auth
from app.extensions import limiter
from app.forms.auth import LoginForm
from app.htmx import redirect_to, render
from app.models import Role, User
from app.urls import safe_next

bp = Blueprint("auth", __name__)
HOME = {
    Role.WORKER: "worker.index",
    Role.INSTITUTION: "admin.index",
    Role.ADMIN: "admin.index",
    Role.MENTOR: "mentor.index",
    Role.ENTERPRISE: "enterprise.index",
}


def _next_path(user: User) -> str:
    """Back where the worker was going, or their role's start page; never off the site."""
    return safe_next(request.args.get("next"), url_for(HOME[user.role]))


@bp.route("/worker/login", methods=["GET", "POST"])
@bp.route("/admin/login", methods=["GET", "POST"], endpoint="admin_login")
@bp.route("/enterprise/login", methods=["GET", "POST"], endpoint="enterprise_login")
@limiter.limit("30 per 5 minutes", methods=["POST"])
def login():
    """Per address: 30 tries in 5 minutes. Per username: after a few wrong passwords, a wait that
    grows to a minute (app.auth.login_wait), so nobody can lock a real user out for long."""
    form = LoginForm()
    expired = session.pop("login_expired", False) if request.method == "GET" else False
    status = 200
    if form.validate_on_submit():
        user = auth.log_in(form)
        if user is not None:
            return auth.carried_form_page(user) or redirect_to(_next_path(user))
        status = form.status
    elif form.errors:
        status = 422
    return render("auth/login.html", fragment="form", form=form, expired=expired, status=status)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect_to(url_for("main.home"))
