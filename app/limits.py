"""Bounds on what one request may cost: body sizes per route, and the rate limits on the public forms
that send a text or put a phone number on record (see also the daily caps in app/sms.py).

Config: MAX_CONTENT_LENGTH for every route, BODY_LIMITS for the few that take uploads (by endpoint);
TEXT_FORM_LIMIT_PER_PHONE and TEXT_FORM_LIMIT_PER_ADDRESS for the forms decorated `sends_texts`."""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from app.extensions import limiter
from app.services.identity import normalise_phone


def body_limit(endpoint: str | None) -> int | None:
    """The most bytes a request to this endpoint may send."""
    return current_app.config["BODY_LIMITS"].get(endpoint, current_app.config["MAX_CONTENT_LENGTH"])


def _cap_body() -> None:
    # Before anything reads the body (CSRF reads the form first): a larger cap only where configured.
    request.max_content_length = body_limit(request.endpoint)


def readable_size(size: int) -> str:
    return f"{size / 2**20:g} MB" if size >= 2**20 else f"{size // 2**10} KB"


def phone_token(phone: str) -> str:
    """A phone number as a rate-limit key: keyed hash, so counters (Redis) hold no numbers."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"limit:" + phone.encode(), hashlib.sha256).hexdigest()[:20]


def _form_phone() -> str:
    return "phone:" + phone_token(normalise_phone(request.form.get("phone")))


def _made_something(response: Response) -> bool:
    """Only a submission that was taken (303, or HTMX's HX-Redirect) counts: a form sent back with
    errors sends no text, and a person correcting a typo is never the one who is limited."""
    return response.status_code == 303 or (response.status_code == 204 and "HX-Redirect" in response.headers)


_per_phone = limiter.shared_limit(
    lambda: current_app.config["TEXT_FORM_LIMIT_PER_PHONE"],
    scope="text-forms-phone",
    key_func=_form_phone,
    methods=["POST"],
    deduct_when=_made_something,
    error_message=_l("这个手机号今天报名和登记的次数太多了，请明天再试；着急的话请打电话给开课学校。"),
)
_per_address = limiter.shared_limit(
    lambda: current_app.config["TEXT_FORM_LIMIT_PER_ADDRESS"],
    scope="text-forms-address",
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_made_something,
    error_message=_l("从这个网络提交的报名太多了，请过一个小时再试；着急的话请打电话给开课学校。"),
)


def sends_texts(view):
    """The public forms that text a phone or put it on record (sign-up, 长辈版 sign-up, call-back
    request): a few per phone and a bounded number per address, shared across those forms, so a
    script can't send official texts to a list of numbers or register them under any name."""
    return _per_phone(_per_address(view))


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _cap_body)
