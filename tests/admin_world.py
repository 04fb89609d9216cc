"""A small county for the administration tests: two institutions with a class each, people signed
up, a completion. Built with the real services; staff of every role come from
tests.helpers.make_user."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from app.extensions import db
from app.models import Enrolment, Institution, Offering, Outcome, Policy, Programme, Town, User
from app.services import enrolment as enrolment_service
from app.services import outcomes
from app.services.residents import Person
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town


@dataclass
class Side:
    institution: Institution
    programme: Programme
    offering: Offering
    enrolment: Enrolment
    outcome: Outcome | None = None


def enrol(offering: Offering, phone: str, name: str = "王芳", residence: str | None = "户籍") -> Enrolment:
    person = Person(name=name, phone=phone, town_id=offering.town_id, residence=residence)
    return enrolment_service.enrol(offering, person, submission_id=uuid.uuid4().hex, today=TODAY)


def make_side(town: Town, name: str, phone: str, admin: User) -> Side:
    institution = make_institution(name=name, town=town)
    programme = make_programme(
        name=f"电工（初级）{name}", kind="skill", institution=institution, certificate="电工", cert_level="初级"
    )
    # Running since six weeks ago, sign-ups open until today: a completion can be recorded today.
    started = TODAY - dt.timedelta(weeks=6)
    offering = make_offering(programme=programme, seats=5, start_date=started, weeks=8, deadline=TODAY)
    enrolment = enrol(offering, phone)
    side = Side(institution, programme, offering, enrolment)
    side.outcome = outcomes.record(
        enrol(offering, phone[:-1] + "9", name="李强"),
        "certificate",
        "初级",
        f"证书 {phone}",  # certificate numbers are unique
        TODAY,
        admin,
        uuid.uuid4().hex,
    )
    return side


def make_policy(**fields) -> Policy:
    values = dict(code="JN-DG-CJ", name="电工初级证书补贴", kind="skill", level="初级", basis="fixed", value=800)
    policy = Policy(**{**values, **fields})
    db.session.add(policy)
    db.session.flush()
    return policy


__all__ = ["TODAY", "dt", "enrol", "make_policy", "make_side", "make_town"]
