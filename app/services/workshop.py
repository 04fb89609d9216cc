"""共富工坊 work orders: an enterprise posts an order for a town's village workshop; the workshop
leader (a community worker of that town) takes it, gives portions to residents of the town who hold
the skill level it needs, and records what each handed in; each piece handed in earns the piece
rate. Money is integer fen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import OrderStatus, Resident, User, WorkOrder, WorkPortion
from app.services import ServiceError, learning, residents, staff, vocabulary


class WorkError(ServiceError):
    pass


@dataclass
class OrderInput:
    what: str
    quantity: int
    piece_rate: int  # fen
    deadline: dt.date
    occupation: str | None
    cert_level: str | None
    town_id: int
    workshop: str


def post(enterprise: User, submission_id: str, given: OrderInput) -> WorkOrder:
    found = db.session.scalar(select(WorkOrder).where(WorkOrder.submission_id == submission_id))
    if found is not None:
        return found
    occupation, written = vocabulary.occupation_level(given.occupation) if given.occupation else (None, None)
    order = WorkOrder(
        submission_id=submission_id,
        institution_id=enterprise.institution_id,
        what=given.what,
        quantity=given.quantity,
        piece_rate=given.piece_rate,
        deadline=given.deadline,
        occupation=occupation,
        cert_level=given.cert_level or written,
        town_id=given.town_id,
        workshop=given.workshop,
        created_by_id=enterprise.id,
    )
    db.session.add(order)
    db.session.flush()
    staff.audit(enterprise, "work_order.create", "work_order", order.id, what=order.what, quantity=order.quantity)
    return order


def of_enterprise(institution_id: int) -> list[WorkOrder]:
    return list(
        db.session.scalars(
            select(WorkOrder).where(WorkOrder.institution_id == institution_id).order_by(WorkOrder.id.desc())
        )
    )


def of_town(town_id: int | None) -> list[WorkOrder]:
    return list(db.session.scalars(select(WorkOrder).where(WorkOrder.town_id == town_id).order_by(WorkOrder.deadline)))


def take(order: WorkOrder, leader: User) -> bool:
    """The workshop leader of the order's town takes it; False when it was already taken."""
    if order.status != OrderStatus.OPEN:
        return False
    order.status, order.taken_by_id, order.taken_at = OrderStatus.TAKEN, leader.id, utcnow()
    staff.audit(leader, "work_order.take", "work_order", order.id)
    db.session.flush()
    return True


def skilled_enough(order: WorkOrder, resident_id: int, today: dt.date) -> bool:
    if not order.occupation:
        return True
    held = learning.level_held(resident_id, order.occupation, today)
    return vocabulary.held_enough(held, order.cert_level) and (held is not None or order.cert_level is None)


def assign(order: WorkOrder, leader: User, phone: str, quantity: int, today: dt.date) -> WorkPortion:
    """Give `quantity` pieces to the resident with this phone: of the workshop's town, with the skill
    level the order needs, within what is left."""
    if order.status != OrderStatus.TAKEN:
        raise WorkError("not_taken")
    resident = residents.find_by_phone(phone)
    if resident is None:
        raise WorkError("not_found")
    if resident.town_id != order.town_id:
        raise WorkError("not_in_town")
    if not skilled_enough(order, resident.id, today):
        raise WorkError("level_low")
    if any(p.resident_id == resident.id for p in order.portions):
        raise WorkError("already")
    if quantity > order.unassigned:
        raise WorkError("too_many", left=order.unassigned)
    portion = WorkPortion(order=order, resident_id=resident.id, quantity=quantity)
    db.session.add(portion)
    db.session.flush()
    staff.audit(leader, "work_portion.assign", "work_portion", portion.id, resident_id=resident.id, quantity=quantity)
    return portion


def hand_in(portion: WorkPortion, leader: User, handed_in: int) -> WorkPortion:
    """Record how many pieces of a portion have been handed in (in all, so far), and what they earned."""
    if handed_in > portion.quantity:
        raise WorkError("more_than_given", given=portion.quantity)
    before = portion.handed_in
    portion.handed_in = handed_in
    portion.earned = handed_in * portion.order.piece_rate
    portion.recorded_at = utcnow()
    order = portion.order
    # Done while every piece is given out and handed in; a correction downwards makes it taken again.
    if order.unassigned == 0 and all(p.handed_in == p.quantity for p in order.portions):
        order.status = OrderStatus.DONE
    elif order.status == OrderStatus.DONE:
        order.status = OrderStatus.TAKEN
    staff.audit(
        leader,
        "work_portion.hand_in",
        "work_portion",
        portion.id,
        resident_id=portion.resident_id,
        before=before,
        after=handed_in,
        earned=portion.earned,
    )
    db.session.flush()
    return portion


@dataclass
class Candidate:
    resident: Resident
    level: str | None


def candidates(order: WorkOrder, today: dt.date, limit: int = 30) -> list[Candidate]:
    """Residents of the workshop's town with the skill the order needs, highest level first (when
    the order needs no skill: none are suggested; the leader types the phone)."""
    if not order.occupation:
        return []
    from app.models import LearningClaim, Outcome

    ids = set(
        db.session.scalars(
            select(Resident.id)
            .join(Outcome, Outcome.resident_id == Resident.id)
            .where(Resident.town_id == order.town_id)
            .limit(500)
        )
    ) | set(
        db.session.scalars(
            select(Resident.id)
            .join(LearningClaim, LearningClaim.resident_id == Resident.id)
            .where(Resident.town_id == order.town_id)
            .limit(500)
        )
    )
    taken = {p.resident_id for p in order.portions}
    found = []
    for resident_id in sorted(ids - taken):
        if skilled_enough(order, resident_id, today):
            resident = db.session.get(Resident, resident_id)
            found.append(Candidate(resident, learning.level_held(resident_id, order.occupation, today)))
    found.sort(key=lambda c: -(vocabulary.CERT_LEVELS.index(c.level) if c.level in vocabulary.CERT_LEVELS else -1))
    return found[:limit]


@dataclass
class Earnings:
    portions: list[WorkPortion]
    pieces: int
    earned: int  # fen


def for_resident(resident_id: int) -> Earnings:
    portions = list(
        db.session.scalars(
            select(WorkPortion).where(WorkPortion.resident_id == resident_id).order_by(WorkPortion.id.desc())
        )
    )
    return Earnings(portions, sum(p.handed_in for p in portions), sum(p.earned for p in portions))
