"""Staff log-in (Flask-Login), the role check every staff route carries, and how long a log-in lasts.

A log-in ends when its password changes (the session holds the user's stamp, see User.get_id), after
STAFF_SESSION_HOURS in all, or after STAFF_IDLE_MINUTES without a request. Wrong passwords slow a
username down step by step (login_wait) instead of locking it: whoever guesses, the real user waits
at most LOGIN_MAX_WAIT seconds for their next try."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import time
from functools import wraps

from flask import Flask, abort, current_app, g, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from app import resubmit
from app.clock import utcnow
from app.db import begin_write
from app.extensions import db, limiter, login_manager
from app.htmx import redirect_to, render
from app.models import PendingForm, User
from app.services import outbox

SINCE, SEEN, EXPIRED = "staff_since", "staff_seen", "login_expired"


def role_required(*roles: str):
    """Anonymous → the log-in page (coming back here afterwards); wrong role → 403. A form posted
    after the log-in ended keeps its answers for after logging in again (keep_answers_for_after_log_in)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.method == "POST" and resubmit.is_form_page(request.endpoint):
                    keep_answers_for_after_log_in()
                return redirect_to(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # read by the authorisation walk test
        return wrapped

    return decorator


# Checking a password, in the same time whether or not the username exists -------------------------


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("no such user: hashed so that a wrong username costs the same time")


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, else None. An unknown username checks the
    password against a dummy hash, so the answer takes as long as for a real one."""
    user = db.session.scalar(db.select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) and user.active else None


# Wrong passwords: a growing wait per username, never a long lock --------------------------------

FAILURES = RateLimitItemPerMinute(1_000_000, 15)  # failures counted over 15 minutes


def _username_token(username: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"login:" + username.strip().lower().encode(), hashlib.sha256).hexdigest()[:20]


def _counting() -> bool:
    """False when rate limits are switched off (RATELIMIT_ENABLED=false, e.g. for a load test): there
    is no store to count wrong passwords in, so nobody is slowed down (and log-in still works)."""
    return current_app.config.get("RATELIMIT_ENABLED", True)


def _failures(token: str) -> int:
    return FAILURES.amount - limiter.limiter.get_window_stats(FAILURES, "login-fail", token).remaining


def _wait_after(failures: int) -> int:
    """Seconds before the next try after this many wrong passwords: none for the first few, then
    2, 4, 8 … up to LOGIN_MAX_WAIT."""
    free, most = current_app.config["LOGIN_FREE_TRIES"], current_app.config["LOGIN_MAX_WAIT"]
    return 0 if failures < free else min(2 ** (failures - free + 1), most)


def login_wait(username: str) -> int:
    """0 if this username may try now, else about how many seconds to wait."""
    if not _counting():
        return 0
    token = _username_token(username)
    wait = _wait_after(_failures(token))
    if not wait:
        return 0
    item = RateLimitItemPerSecond(1, wait)
    if limiter.limiter.test(item, "login-wait", token):
        return 0
    reset, _remaining = limiter.limiter.get_window_stats(item, "login-wait", token)
    return max(int(reset - time.time()) + 1, 1)


def record_failure(username: str) -> None:
    if not _counting():
        return
    token = _username_token(username)
    limiter.limiter.hit(FAILURES, "login-fail", token)
    wait = _wait_after(_failures(token))
    if wait:
        limiter.limiter.hit(RateLimitItemPerSecond(1, wait), "login-wait", token)


def clear_failures(username: str) -> None:
    if not _counting():
        return
    limiter.limiter.clear(FAILURES, "login-fail", _username_token(username))


# Logging in -------------------------------------------------------------------------------------


def log_in(form) -> User | None:
    """A submitted LoginForm: wait if the username is being slowed down, check the password, and on
    success start a new session for the user. Problems go on the form; `form.status` says which."""
    username = form.username.data
    if wait := login_wait(username):
        form.add_error("password", _("这个用户名刚才多次输错密码。请等 %(seconds)s 秒再试。", seconds=wait))
        form.status = 429
        return None
    user = authenticate(username, form.password.data)
    if user is None:
        record_failure(username)
        form.add_error("password", _("用户名或密码不对。请再试一次，或请管理员重设密码。"))
        form.status = 422
        return None
    clear_failures(username)
    carried = session.get(CARRY)
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # a token of the new session
    if carried and carried.get("for") == user.id:
        session[CARRY] = carried
    session.permanent = True
    login_user(user)
    start_staff_session()
    return user


CARRY = "carried_form"  # in the session: whose answers wait, and the token of their pending_forms row
CARRY_FOR = dt.timedelta(hours=1)  # how long they wait


def keep_answers_for_after_log_in() -> None:
    """A form posted after its log-in ended: its answers wait on the server (PendingForm, however
    long; the route's body limit bounds them) under a random token that only this device's session
    holds, for the same person to log in again within CARRY_FOR; another user never gets them.
    Files chosen are not kept (only their names, to say they must be chosen again)."""
    owner = session.get(EXPIRED)
    if not owner or resubmit.active():
        return
    fields = [
        [key, value]
        for key, value in request.form.items(multi=True)
        if isinstance(value, str) and key not in ("csrf_token", resubmit.MARKER)
    ]
    files = [upload.filename[:200] for upload in request.files.values() if upload and upload.filename]
    db.session.rollback()  # nothing was done yet; the write begins as a writer (a reads_first view too)
    begin_write()
    db.session.execute(
        delete(PendingForm).where((PendingForm.user_id == owner) | (PendingForm.created_at < utcnow() - CARRY_FOR))
    )
    token = secrets.token_urlsafe(32)
    url = request.full_path.rstrip("?")[:2000]
    db.session.add(PendingForm(token=token, user_id=owner, url=url, fields=fields, files=files))
    db.session.commit()
    session[CARRY] = {"for": owner, "token": token}


def carried_form_page(user: User):
    """After logging in: the page that takes the kept answers back to their form (one button; with
    JavaScript it presses itself, unless a file must be chosen again), where they are shown again for
    "请再点一次提交". None if none. The answers are taken (deleted) as they are shown."""
    carried = session.pop(CARRY, None)
    if not carried or carried.get("for") != user.id or not carried.get("token"):
        return None
    mine = (PendingForm.token == carried["token"], PendingForm.user_id == user.id)
    pending = db.session.scalar(select(PendingForm).where(*mine, PendingForm.created_at >= utcnow() - CARRY_FOR))
    db.session.execute(delete(PendingForm).where(*mine))
    db.session.commit()
    if pending is None:
        return None
    fields, files, url = pending.fields, pending.files, pending.url
    return render("auth/continue.html", url=url, fields=fields, files=files, marker=resubmit.MARKER)


# How long a log-in lasts -------------------------------------------------------------------------


def start_staff_session() -> None:
    now = int(utcnow().timestamp())
    session[SINCE], session[SEEN] = now, now


def _expire_staff_sessions() -> None:
    """After STAFF_SESSION_HOURS in all or STAFF_IDLE_MINUTES idle, the log-in ends (the page asks to
    log in again, coming back afterwards)."""
    if "_user_id" not in session:
        return
    now = int(utcnow().timestamp())
    since, seen = session.get(SINCE, 0), session.get(SEEN, 0)
    config = current_app.config
    if now - since > config["STAFF_SESSION_HOURS"] * 3600 or now - seen > config["STAFF_IDLE_MINUTES"] * 60:
        user_id = current_user.id
        logout_user()
        for key in (SINCE, SEEN):
            session.pop(key, None)
        session[EXPIRED] = user_id  # whose answers a form posted now may keep
    elif now - seen >= 60:  # refreshed at most once a minute, so the cookie isn't rewritten each time
        session[SEEN] = now


def entered_by_this_worker(view):
    """A worker's form: what another worker entered on this phone is refused (409), not filed under
    the one logged in; the phone's outbox keeps it for them (see app.services.outbox)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST" and current_user.is_authenticated:
            other = outbox.other_worker(request.form.get("worker"), request.form.get("submission_id"), current_user)
            if other is not None:
                return render("worker/other_worker.html", other=other, status=409)
        return view(*args, **kwargs)

    return wrapped


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    # The cookie outlives the log-in by a day: the server, not the browser, ends a log-in, so a form
    # posted just after still has its session (token, and whose answers it may keep).
    app.permanent_session_lifetime = dt.timedelta(hours=app.config["STAFF_SESSION_HOURS"] + 24)
    app.before_request(_expire_staff_sessions)

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        """The session holds "id:stamp" (User.get_id); a password change makes a new stamp, which
        ends every session that logged in with the old password."""
        user_id, _, stamp = token.partition(":")
        if not user_id.isdecimal() or len(user_id) > 10:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not hmac.compare_digest(user.session_stamp.encode(), stamp.encode()):
            return None
        return user
