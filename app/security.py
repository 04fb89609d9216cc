"""Security headers on every response, static files included; bearer references kept out of logs.

Six fixed headers, and HSTS when cookies are secure (the site is behind HTTPS); a library such as
Flask-Talisman would add HTTPS redirects and nonces we don't use (our CSP allows no inline script at
all), so these few lines are clearer.
"""

import logging
import re

from flask import Flask, Response, current_app

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HSTS = "max-age=31536000"


def _set_headers(headers, secure: bool) -> None:
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if secure:
        headers.setdefault("Strict-Transport-Security", HSTS)


def add_security_headers(response: Response) -> Response:
    _set_headers(response.headers, current_app.config["SESSION_COOKIE_SECURE"])
    return response


def static_headers(app: Flask):
    """For WhiteNoise's add_headers_function: the same headers on static files (served before Flask)."""
    secure = app.config["SESSION_COOKIE_SECURE"]

    def add(headers, path: str, url: str) -> None:
        _set_headers(headers, secure)

    return add


# Access logs: whoever holds a receipt's address can see (and cancel) the sign-up, so the
# reference in /signups/<ref>, /needs/<ref> (and the 长辈版 and worker pages under them) is masked.
BEARER = re.compile(r"(/(?:signups|needs)/)[A-Za-z0-9_-]{12,}")


def mask_refs(text: str) -> str:
    return BEARER.sub(r"\1…", text)


class MaskRefs(logging.Filter):
    """A filter for the werkzeug and gunicorn access loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_refs(record.msg)
        if isinstance(record.args, dict):  # gunicorn: the access-log atoms (its own dict type: kept)
            for key, value in record.args.items():
                if isinstance(value, str):
                    record.args[key] = mask_refs(value)
        elif isinstance(record.args, tuple):  # werkzeug: '"%s" %s %s' with the request line
            record.args = tuple(mask_refs(a) if isinstance(a, str) else a for a in record.args)
        return True


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskRefs) for f in logger.filters):
            logger.addFilter(MaskRefs())
