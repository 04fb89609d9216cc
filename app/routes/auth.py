"""Staff log-in and log-out, at /worker/login and /admin/login (one view, rate-limited)."""

from __future__ import annotations

from flask import Blueprint, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from app.extensions import db, limiter
from app.forms.auth import LoginForm
from app.htmx import redirect_to, render
from app.models import Role, User
from app.urls import safe_next

bp = Blueprint("auth", __name__)
HOME = {Role.WORKER: "worker.index", Role.INSTITUTION: "admin.index", Role.ADMIN: "admin.index"}


def _username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


def _next_path(user: User) -> str:
    """Back where the worker was going, or their role's start page; never off the site."""
    return safe_next(request.args.get("next"), url_for(HOME[user.role]))


@bp.route("/worker/login", methods=["GET", "POST"])
@bp.route("/admin/login", methods=["GET", "POST"], endpoint="admin_login")
@limiter.limit("10 per 5 minutes", key_func=_username_key, methods=["POST"])
@limiter.limit("30 per 5 minutes", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect_to(_next_path(user))
        form.add_error("password", _("用户名或密码不对。请再试一次，或请管理员重设密码。"))
    return render("auth/login.html", fragment="form", form=form, status=422 if form.errors else 200)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect_to(url_for("main.home"))
