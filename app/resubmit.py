"""Nothing typed is lost: a form posted after its session or CSRF token expired comes back with
every answer kept, a fresh token and "请再点一次提交", instead of an error page.

One mechanism for every form of every role. The CSRF error handler calls the same view again with
`active()` true: every SubmissionForm then refuses to validate (its answers bound, one message on
the form), so the view renders its own page, bound to what was posted, and saves nothing. Only views
that also answer GET are called again (a form page; a bare action button is not), and while one
runs no statement other than a read reaches the database and no text is sent (`WriteRefused`), so a
view that would act without validating a form fails safe to the plain "page expired" answer.

A staff member whose log-in ended is asked to log in (as before); the answers wait in the session,
and after logging in one button (pressed by JavaScript when there is some) posts them back to their
form with MARKER, which shows the form again the same way (see app.auth)."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.htmx import is_htmx

MESSAGE = _l("页面已过期，您填的内容都还在。请再点一次提交。")
MARKER = "_resubmit"  # a posted field: show the form bound to these answers, save nothing
READS = ("SELECT", "PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "WITH", "SHOW", "SET")


class WriteRefused(RuntimeError):
    """A view called again for a stale form tried to change something."""


def active() -> bool:
    if not has_request_context():
        return False
    if g.get("resubmit"):
        return True
    form = request.__dict__.get("form")  # only a body already read: never read one here (it may be too large)
    return form is not None and form.get(MARKER) == "1"


def is_form_page(endpoint: str | None) -> bool:
    """Views whose POST renders a form and which also answer GET."""
    rules = current_app.url_map._rules_by_endpoint.get(endpoint or "", [])
    return bool(rules) and all({"GET", "POST"} <= (rule.methods or set()) for rule in rules)


def status() -> int:
    """422 for HTMX (which swaps it in); 400 otherwise, which the worker's outbox reads as "fetch a
    fresh token and send again"."""
    return 422 if is_htmx() else 400


def call_view_again():
    """The response of this request's view with every form refusing to save, or None if it can't be
    called again safely (not a form page, or it tried to write)."""
    if request.method != "POST" or not is_form_page(request.endpoint) or g.get("resubmit"):
        return None
    g.resubmit = True
    try:
        response = current_app.make_response(current_app.view_functions[request.endpoint](**request.view_args))
    except WriteRefused:
        current_app.logger.warning("a stale form's view tried to write: %s", request.endpoint)
        return None
    finally:
        from app.extensions import db

        db.session.rollback()
    if response.status_code in (200, 422):  # the form, shown again
        response.status_code = status()
    return response


@event.listens_for(Engine, "before_cursor_execute")
def _reads_only(conn, cursor, statement, parameters, context, executemany) -> None:
    if active() and not statement.lstrip().upper().startswith(READS):
        raise WriteRefused(statement.split(None, 1)[0])
