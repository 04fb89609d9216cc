"""The worker process: Huey tasks that deliver messages, sweep, remind, and draw lotteries.

Huey (huey.readthedocs.io) is the queue: a small, long-maintained library with retries, delayed,
periodic and prioritised tasks, and storages for both places Xuehou runs — SQLite (a file next to
the site's database, so `make run` on a fresh machine needs no Redis) and Redis (a county's
servers: every application server enqueues, one or more workers consume). Which one comes from
XUEHOU_QUEUE_URL (`redis://…` or `sqlite:///path`; default instance/queue.db), read when this
module is imported, because the consumer imports it before any app exists:

    huey_consumer app.messages.tasks.huey -w 4 -k thread

Tests run tasks in-process (Huey's immediate mode, config MESSAGES_IMMEDIATE).
The message rows stay the source of truth: a task carries only an id.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import PriorityRedisHuey, SqliteHuey, crontab

log = logging.getLogger("xuehou.messages")
ROOT = Path(__file__).resolve().parents[2]


def _make_huey():
    url = os.environ.get("XUEHOU_QUEUE_URL", "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return PriorityRedisHuey("xuehou", url=url, results=False)
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else str(ROOT / "instance" / "queue.db")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("xuehou", filename=path, results=False)


huey = _make_huey()
_worker_app: Flask | None = None


def configure(app: Flask) -> None:
    if app.config.get("MESSAGES_IMMEDIATE"):
        huey.immediate = True


def _app() -> Flask:
    """In the worker process: one app, made on first use (the consumer imports this module first)."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def _in_app(fn, *args):
    """Run a task in an app context of its own (its own database session): in the worker, of the
    worker's app; in immediate mode (tests), of the app that enqueued it, which may be in the middle
    of committing."""
    app = current_app._get_current_object() if has_app_context() else _app()
    with app.app_context():
        return fn(*args)


@huey.task(priority=5)
def deliver_task(message_id: int) -> str:
    from app.messages import delivery

    return _in_app(delivery.deliver, message_id)


def deliver(message_id: int, priority: int = 5) -> None:
    """Hand one committed message to the worker (Huey runs higher priorities first: codes are 10)."""
    deliver_task(message_id, priority=priority)


def retry_later(message_id: int, delay: float) -> None:
    if huey.immediate:
        return  # tests step time with the clock and call the sweep themselves
    deliver_task.schedule((message_id,), delay=delay)


def sweep() -> int:
    """Settle claims left by a dead worker, then enqueue every message that is due. Returns how many."""
    from app.messages import delivery

    delivery.reconcile_stale_claims()
    due = delivery.due_ids()
    for message_id in due:
        deliver_task(message_id)
    return len(due)


@huey.periodic_task(crontab(minute="*"))
def sweep_task() -> int:
    return _in_app(sweep)


_started = threading.Lock()


@huey.on_startup()
def _sweep_on_start() -> None:
    """A worker (re)started drains what is queued at once, instead of waiting for the minute. Huey
    calls this in each worker thread: the first one sweeps."""
    if not _started.acquire(blocking=False):
        return
    try:
        _in_app(sweep)
    except Exception:
        log.exception("start-up sweep failed; the periodic sweep will retry")


def reminders() -> int:
    from app.messages import reminders as reminders_module

    return _in_app(reminders_module.queue_reminders)


@huey.periodic_task(crontab(minute="5"))
def reminders_task() -> int:
    return reminders()


@huey.task(priority=1)
def draw_task(offering_id: int) -> bool:
    from app.services import enrolment

    return _in_app(enrolment.run_draw_in_worker, offering_id)


def _due_draws() -> int:
    from app.extensions import db
    from app.services import enrolment

    ids = [offering.id for offering in enrolment.due_draws()]
    db.session.rollback()
    return sum(enrolment.run_draw_in_worker(offering_id) for offering_id in ids)


@huey.periodic_task(crontab(minute="*"))
def draws_task() -> int:
    """Every lottery whose window has closed is drawn within a minute, whether or not anyone looks."""
    return _in_app(_due_draws)


@huey.task(priority=3)
def push_task(offering_id: int, reason: str) -> int:
    """Tell the open needs a class fits that it opened, reopened or has places (app.services.push)."""
    from app.services import push

    return _in_app(lambda: push.run(offering_id, reason).texted)


@huey.task(priority=3)
def job_push_task(job_id: int, reason: str) -> int:
    """Tell the residents a job fits that it was posted, reopened or wants more people (app.services.job_push)."""
    from app.services import job_push

    return _in_app(lambda: job_push.run(job_id, reason).texted)
