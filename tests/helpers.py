"""What tests do as a person would, written once: read the tokens a rendered form carries, and log
staff in through the real log-in form (with the test client, or in a browser).

The token reader is bench/common.py's, shared with the benchmarks, as is the gunicorn launcher
(`from bench.common import gunicorn`).
"""

from __future__ import annotations

import re
import uuid

from app.models import Institution, Town, User
from app.services.staff import create_or_update_user
from bench.common import hidden, tokens

__all__ = [
    "PASSWORD",
    "form_tokens",
    "hidden",
    "invalid_fields",
    "log_in",
    "log_in_page",
    "make_user",
    "send_log_in",
    "tokens",
]

PASSWORD = "correct horse"


def form_tokens(client, path: str) -> dict[str, str]:
    """Open the form at `path` and return its csrf_token and submission_id."""
    return tokens(client.get(path).get_data(as_text=True))


def invalid_fields(html: str) -> set[str]:
    """Names of the inputs marked aria-invalid, and ids of the fieldsets described by an error."""
    return (
        set(re.findall(r'aria-invalid="true"[^>]*\bname="([^"]+)"', html))
        | set(re.findall(r'name="([^"]+)"[^>]*aria-invalid="true"', html))
        | set(re.findall(r'<fieldset id="([^"]+)" aria-describedby="[^"]*-error', html))
    )


def make_user(
    role: str,
    town: Town | None = None,
    institution: Institution | None = None,
    username: str | None = None,
    password: str = PASSWORD,
) -> User:
    """A staff member of `role` (username made up unless given), through the real service; flushed."""
    user, _ = create_or_update_user(
        role,
        username or f"{role}-{uuid.uuid4().hex[:6]}",
        password,
        institution.id if institution else None,
        str(town.id) if town else None,
        name="测试员",
    )
    return user


def log_in(client, user: User | str, password: str = PASSWORD, path: str = "/admin/login") -> None:
    """Log `client` in through the log-in form at `path` (/admin/login or /worker/login: one view)."""
    username = user if isinstance(user, str) else user.username
    response = client.post(path, data={**form_tokens(client, path), "username": username, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)


def log_in_page(page, base: str, username: str, password: str = PASSWORD, path: str = "/admin/login") -> None:
    """Log in with a Playwright `page`: open `path` (the log-in page, or a staff page that sends
    there) and send the log-in form."""
    page.goto(base + path)
    send_log_in(page, username, password)


def send_log_in(page, username: str, password: str = PASSWORD) -> None:
    """Fill in and send the log-in form the Playwright `page` shows."""
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()
