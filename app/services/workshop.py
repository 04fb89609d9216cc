"""共富工坊 work orders: an enterprise posts an order for a town's village workshop; the workshop
leader (a community worker of that town) takes it, gives portions to residents of the town who hold
the skill level it needs, and records what each handed in; each piece handed in earns the piece
rate. Money is integer fen.

Residents choose too: a resident of the town sees the orders its workshop has taken that their skill
level allows, and asks for a number of pieces (`ask`). The leader hands out the material, so the
leader answers each request (`answer`): confirming it (with the number asked, or another they agreed)
makes the portion; declining frees the pieces. Asked pieces are held until then, so two residents
asking at once, or a resident and the leader, never give out more than the order has: every change
to an order's pieces first locks its row (SELECT … FOR UPDATE on PostgreSQL; on SQLite every POST
already holds the write lock, see app.db.begin_write)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import OrderStatus, RequestStatus, Resident, User, WorkOrder, WorkPortion, WorkRequest
from app.services import ServiceError, learning, residents, staff, vocabulary


class WorkError(ServiceError):
    pass


ASK_CAP = 1000  # pieces one resident may ask for on one order: a week or two of handwork, not the whole order


def _lock(order: WorkOrder) -> WorkOrder:
    """Lock the order's row for this transaction and read its portions and requests fresh."""
    locked = db.session.scalars(
        select(WorkOrder).where(WorkOrder.id == order.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    db.session.expire(locked, ["portions", "requests"])
    return locked


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


def _enough(order: WorkOrder, held: str | None) -> bool:
    """Does holding `held` of the order's occupation meet its level? (The one rule, for one resident
    or many.)"""
    if not order.occupation:
        return True
    return vocabulary.held_enough(held, order.cert_level) and (held is not None or order.cert_level is None)


def skilled_enough(order: WorkOrder, resident_id: int, today: dt.date) -> bool:
    if not order.occupation:
        return True
    return _enough(order, learning.level_held(resident_id, order.occupation, today))


def _portion_replayed(submission_id: str | None) -> WorkPortion | None:
    if not submission_id:
        return None
    return db.session.scalar(select(WorkPortion).where(WorkPortion.submission_id == submission_id))


def assign(
    order: WorkOrder, leader: User, phone: str, quantity: int, today: dt.date, submission_id: str | None = None
) -> WorkPortion:
    """Give `quantity` pieces to the resident with this phone: of the workshop's town, with the skill
    level the order needs, within what is left (pieces residents asked for are held for them). A
    replay of the same submission id returns the portion the first send made."""
    order = _lock(order)
    if (found := _portion_replayed(submission_id)) is not None:
        return found
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
    if any(r.resident_id == resident.id and r.status == RequestStatus.ASKED for r in order.requests):
        raise WorkError("has_request")
    if quantity > order.left:
        raise WorkError("too_many", left=order.left)
    portion = WorkPortion(order=order, resident_id=resident.id, quantity=quantity, submission_id=submission_id)
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
    the order needs no skill: none are suggested; the leader types the phone). A fixed number of
    queries however many residents there are."""
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
    remaining = sorted(ids - {p.resident_id for p in order.portions})
    levels = learning.levels_held(remaining, order.occupation, today)
    eligible = [resident_id for resident_id in remaining if _enough(order, levels.get(resident_id))]
    people = {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(eligible)))}
    found = [Candidate(people[resident_id], levels.get(resident_id)) for resident_id in eligible]
    found.sort(key=lambda c: -(vocabulary.CERT_LEVELS.index(c.level) if c.level in vocabulary.CERT_LEVELS else -1))
    return found[:limit]


# Residents choosing orders themselves -------------------------------------------------------------


def skill_wanted(order: WorkOrder) -> str:
    """The skill an order needs, as people write it (缝纫工初级)."""
    return f"{order.occupation or ''}{order.cert_level or ''}"


@dataclass
class Choice:
    """An order of the resident's workshop, as the resident sees it."""

    order: WorkOrder
    skilled: bool  # the resident holds the skill level it needs
    request: WorkRequest | None  # what they asked for, if they did
    portion: WorkPortion | None  # the pieces they were given, if any
    accepting: bool  # the workshop has taken it and its deadline has not passed

    @property
    def can_ask(self) -> bool:
        return self.skilled and self.request is None and self.portion is None and self.accepting and self.most > 0

    @property
    def most(self) -> int:
        """The most pieces they may ask for now."""
        return min(self.order.left, ASK_CAP)

    @property
    def most_earns(self) -> int:
        return self.most * self.order.piece_rate


def choices(resident: Resident, today: dt.date) -> list[Choice]:
    """The orders the resident's workshop (their town) has taken and not finished, deadline not past,
    soonest first, each with whether they are skilled enough and what they asked for or were given."""
    orders = list(
        db.session.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.town_id == resident.town_id,
                WorkOrder.status == OrderStatus.TAKEN,
                WorkOrder.deadline >= today,
            )
            .options(
                selectinload(WorkOrder.portions), selectinload(WorkOrder.requests), selectinload(WorkOrder.institution)
            )
            .order_by(WorkOrder.deadline, WorkOrder.id)
        )
    )
    return [choice(order, resident, today) for order in orders]


def choice(order: WorkOrder, resident: Resident, today: dt.date) -> Choice:
    return Choice(
        order,
        skilled_enough(order, resident.id, today),
        next((r for r in order.requests if r.resident_id == resident.id), None),
        next((p for p in order.portions if p.resident_id == resident.id), None),
        order.status == OrderStatus.TAKEN and order.deadline >= today,
    )


def ask(order: WorkOrder, resident: Resident, quantity: int, submission_id: str, today: dt.date) -> WorkRequest:
    """The resident asks for `quantity` pieces; they are held for them until the leader answers. A
    replay of the same submission id returns the first request."""
    order = _lock(order)
    found = db.session.scalar(select(WorkRequest).where(WorkRequest.submission_id == submission_id))
    if found is not None:
        return found
    if resident.town_id != order.town_id:
        raise WorkError("not_your_workshop")
    if order.status != OrderStatus.TAKEN or order.deadline < today:
        raise WorkError("not_open")
    if not skilled_enough(order, resident.id, today):
        raise WorkError("needs_skill", skill=skill_wanted(order))
    if any(r.resident_id == resident.id for r in order.requests) or any(
        p.resident_id == resident.id for p in order.portions
    ):
        raise WorkError("asked_already")
    if quantity > order.left:
        raise WorkError("too_many", left=order.left) if order.left else WorkError("none_left")
    if quantity > ASK_CAP:
        raise WorkError("over_cap", cap=ASK_CAP)
    request = WorkRequest(submission_id=submission_id, order=order, resident_id=resident.id, quantity=quantity)
    db.session.add(request)
    db.session.flush()
    return request


def answer(request: WorkRequest, leader: User, confirm: bool, quantity: int | None, submission_id: str) -> WorkRequest:
    """The leader confirms a request (giving `quantity` pieces: the number asked or another they
    agreed with the resident) or declines it. A request already answered is returned as it is: a
    replay, or a second leader's answer, shows the first outcome."""
    order = _lock(request.order)
    request = db.session.scalars(
        select(WorkRequest).where(WorkRequest.id == request.id).execution_options(populate_existing=True)
    ).one_or_none()
    if request is None:  # the resident's data was erased meanwhile (their unanswered requests with it)
        raise WorkError("gone")
    if request.status != RequestStatus.ASKED:
        return request
    if confirm:
        if order.status != OrderStatus.TAKEN:
            raise WorkError("not_taken")
        most = order.left + request.quantity  # its own pieces are held for it
        if quantity is None or quantity > most:
            raise WorkError("too_many", left=most)
        if any(p.resident_id == request.resident_id for p in order.portions):
            raise WorkError("already")
        if request.resident.town_id != order.town_id:  # moved to another town (/me/data) since asking
            raise WorkError("not_in_town")
        request.portion = WorkPortion(
            order=order, resident_id=request.resident_id, quantity=quantity, submission_id=submission_id
        )
        request.status = RequestStatus.CONFIRMED
    else:
        request.status = RequestStatus.DECLINED
    request.answered_by_id, request.answered_at = leader.id, utcnow()
    db.session.flush()
    staff.audit(
        leader,
        "work_request.confirm" if confirm else "work_request.decline",
        "work_request",
        request.id,
        resident_id=request.resident_id,
        asked=request.quantity,
        given=quantity if confirm else 0,
    )
    return request


def waiting(order: WorkOrder) -> list[WorkRequest]:
    """The requests the leader has not answered, oldest first."""
    return [r for r in order.requests if r.status == RequestStatus.ASKED]


@dataclass
class Earnings:
    portions: list[WorkPortion]
    pieces: int
    earned: int  # fen
    requests: list[WorkRequest]  # what they asked for that is not (yet) a portion: asked, or declined


def for_resident(resident_id: int) -> Earnings:
    portions = list(
        db.session.scalars(
            select(WorkPortion)
            .where(WorkPortion.resident_id == resident_id)
            .options(selectinload(WorkPortion.order))
            .order_by(WorkPortion.id.desc())
        )
    )
    requests = list(
        db.session.scalars(
            select(WorkRequest)
            .where(WorkRequest.resident_id == resident_id, WorkRequest.status != RequestStatus.CONFIRMED)
            .options(selectinload(WorkRequest.order))
            .order_by(WorkRequest.id.desc())
        )
    )
    return Earnings(portions, sum(p.handed_in for p in portions), sum(p.earned for p in portions), requests)
