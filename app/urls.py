"""Where a request may send the browser next."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only a path on this site: never an absolute or scheme-relative URL. Browsers read a backslash
    as a slash (/\\evil.example is another site), so backslashes and control characters are refused."""
    fallback = default or url_for("main.home")
    if not target or "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
