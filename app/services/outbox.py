"""The worker's outbox, server side: whose a submission is, before it is saved or answered.

A phone is shared: worker A keeps entries offline, logs out, worker B logs in. Each entry carries
the id of the worker who entered it (`worker`, stamped when the form was rendered, app.forms.base
.EnteredBy). The server files nothing under the wrong name: an entry stamped by another worker, or a
replay of a submission another worker already saved, is refused and waits on the phone for them.
"""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.forms.base import SUBMISSION_ID
from app.models import Enrolment, Need, User


def saved_by(submission_id: str | None) -> int | None:
    """The worker who saved this submission (a need or a sign-up), if a worker did."""
    if not SUBMISSION_ID.fullmatch(submission_id or ""):
        return None
    for model in (Need, Enrolment):
        found = db.session.execute(select(model.entered_by_id).where(model.submission_id == submission_id)).first()
        if found is not None:
            return found[0]
    return None


def other_worker(stamp: str | None, submission_id: str | None, user: User) -> User | None:
    """The worker this submission belongs to, when that is not `user`; None when it is theirs.

    An entry without a stamp (sent by a form older than the stamp) belongs to whoever sends it,
    unless another worker already saved it."""
    owner = int(stamp) if stamp and stamp.isdecimal() and len(stamp) < 10 else None
    if owner is None or owner == user.id:
        owner = saved_by(submission_id)
    if owner is None or owner == user.id:
        return None
    return db.session.get(User, owner) or User(id=owner, username="?", role="worker")
