"""Home, the language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from sqlalchemy import text

from app.extensions import db
from app.htmx import render
from app.labels import KIND_HINTS
from app.urls import safe_next

bp = Blueprint("main", __name__)


VIEW_COOKIE = "view"


@bp.get("/")
def home():
    if request.cookies.get(VIEW_COOKIE) == "elder":  # the 长辈版 choice is remembered
        return redirect(url_for("elder.index"), 303)
    return render("main/home.html", hints=KIND_HINTS)


@bp.get("/view/<name>")
def switch_view(name: str):
    """The 长辈版 switch (and the way back), remembered in a cookie."""
    if name == "elder":
        response = redirect(url_for("elder.index"), 303)
        response.set_cookie(
            VIEW_COOKIE,
            "elder",
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    else:
        response = redirect(url_for("main.home"), 303)
        response.delete_cookie(VIEW_COOKIE)
    return response


@bp.get("/lang/<code>")
def set_language(code: str):
    """The visible language switch: remember the choice in a cookie and go back."""
    response = redirect(safe_next(request.args.get("next")), 303)
    if code in current_app.config["LOCALES"]:
        response.set_cookie(
            current_app.config["LOCALE_COOKIE"],
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
        )
    return response


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # the check's whole job is to turn any database failure into a 503
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.get("/readyz")
def readyz():
    """For the load balancer: ready when the database answers and its schema is the code's
    (false while migrations are pending, so a new release takes no traffic before `db upgrade`)."""
    from app.db import schema_is_current

    try:
        current = schema_is_current()
    except Exception:
        current_app.logger.exception("readiness check: database unreachable")
        return jsonify(ready=False, database="unreachable"), 503
    if not current:
        return jsonify(ready=False, database="migrations pending"), 503
    return jsonify(ready=True)
