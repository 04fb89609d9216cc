"""Home, the language switch and the health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from sqlalchemy import text

from app.extensions import db
from app.htmx import render
from app.labels import KIND_HINTS

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    return render("main/home.html", hints=KIND_HINTS)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.get("/lang/<code>")
def set_language(code: str):
    """The visible language switch: remember the choice in a cookie and go back."""
    response = redirect(_safe_next(request.args.get("next")), 303)
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
