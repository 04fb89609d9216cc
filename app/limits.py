"""Bounds on what one request may cost: body sizes per route (see also the rate limits on the routes
and the caps in app/sms.py). Config: MAX_CONTENT_LENGTH for every route, BODY_LIMITS for the few
that take uploads, by endpoint."""

from __future__ import annotations

from flask import Flask, current_app, request


def body_limit(endpoint: str | None) -> int | None:
    """The most bytes a request to this endpoint may send."""
    return current_app.config["BODY_LIMITS"].get(endpoint, current_app.config["MAX_CONTENT_LENGTH"])


def _cap_body() -> None:
    # Before anything reads the body (CSRF reads the form first): a larger cap only where configured.
    request.max_content_length = body_limit(request.endpoint)


def readable_size(size: int) -> str:
    return f"{size / 2**20:g} MB" if size >= 2**20 else f"{size // 2**10} KB"


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _cap_body)
