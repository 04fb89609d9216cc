"""The demo county's learn → earn records (the `earn` tables of app/demo_county.toml): enterprises,
their jobs, 共富工坊 work orders and group-class proposals (组班), and demo learners whose records
show the whole journey.
Idempotent: everything is found by a natural key (names, phones, demo submission ids)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.clock import TZ
from app.extensions import db
from app.models import (
    ClaimStatus,
    ContactRequest,
    ContactStatus,
    GroupProposal,
    Institution,
    InstitutionType,
    Job,
    LearnerListing,
    LearningClaim,
    OrderStatus,
    Outcome,
    OutcomeKind,
    Programme,
    Resident,
    Town,
    WorkOrder,
    WorkPortion,
    WorkRequest,
)
from app.services import vocabulary


def load(data: dict, today: dt.date) -> int:
    """Add what is missing; returns how many records were added."""
    if not data:
        return 0
    added = 0
    towns = {t.name: t for t in db.session.scalars(select(Town))}
    enterprises = {i.name: i for i in db.session.scalars(select(Institution))}
    for row in data.get("enterprises", []):
        if row["name"] not in enterprises:
            enterprises[row["name"]] = Institution(
                name=row["name"],
                type=InstitutionType.ENTERPRISE,
                town=towns[row["town"]],
                address=row.get("address", ""),
                phone=row.get("phone", ""),
            )
            db.session.add(enterprises[row["name"]])
            added += 1
    db.session.flush()

    people = {r.phone: r for r in db.session.scalars(select(Resident).where(Resident.phone.like("1390000%")))}
    for row in data.get("learners", []):
        person = people.get(row["phone"])
        if person is None:
            person = Resident(phone=row["phone"], name=row["name"], town=towns[row["town"]], consent_method="online")
            db.session.add(person)
            db.session.flush()
            people[row["phone"]] = person
            added += 1
        added += _learner_record(person, row, enterprises, today)
    db.session.flush()

    for n, row in enumerate(data.get("jobs", []), start=1):
        key = f"demo-job-{n}"
        if db.session.scalar(select(Job.id).where(Job.submission_id == key)) is None:
            db.session.add(
                Job(
                    submission_id=key,
                    institution_id=enterprises[row["enterprise"]].id,
                    title=row["title"],
                    town_id=towns[row["town"]].id,
                    pay_min=row["pay"][0],
                    pay_max=row["pay"][1],
                    shifts=",".join(row["shifts"]),
                    occupation=row["occupation"],
                    cert_level=row.get("cert_level"),
                    openings=row["openings"],
                )
            )
            added += 1
    db.session.flush()
    for row in data.get("learners", []):
        if hired := row.get("hired"):
            added += _hire(people[row["phone"]], enterprises[hired[0]], hired[1], today - dt.timedelta(days=hired[2]))

    for n, row in enumerate(data.get("groups", []), start=1):
        key = f"demo-group-{n}"
        if db.session.scalar(select(GroupProposal.id).where(GroupProposal.submission_id == key)) is None:
            db.session.add(
                GroupProposal(
                    submission_id=key,
                    institution_id=enterprises[row["enterprise"]].id,
                    kind=row["kind"],
                    programme=row["programme"],
                    cert_level=row.get("cert_level"),
                    town_id=towns[row["town"]].id,
                    people=row["people"],
                    weekdays=",".join(str(d) for d in row.get("weekdays", [])),
                    times=",".join(row.get("times", [])),
                    note=row.get("note", ""),
                    contact_name=row["contact"][0],
                    contact_phone=row["contact"][1],
                )
            )
            added += 1
    db.session.flush()

    for n, row in enumerate(data.get("orders", []), start=1):
        key = f"demo-order-{n}"
        if db.session.scalar(select(WorkOrder.id).where(WorkOrder.submission_id == key)) is not None:
            continue  # (its portions and requests came with it)
        order = WorkOrder(
            submission_id=key,
            institution_id=enterprises[row["enterprise"]].id,
            what=row["what"],
            quantity=row["quantity"],
            piece_rate=row["piece_rate"],
            deadline=today + dt.timedelta(days=row["deadline_days"]),
            occupation=row.get("occupation"),
            cert_level=row.get("cert_level"),
            town_id=towns[row["town"]].id,
            workshop=row["workshop"],
            status=OrderStatus.TAKEN if row.get("taken") else OrderStatus.OPEN,
        )
        db.session.add(order)
        added += 1
        for phone, quantity, handed_in in row.get("portions", []):
            db.session.add(
                WorkPortion(
                    order=order,
                    resident_id=people[phone].id,
                    quantity=quantity,
                    handed_in=handed_in,
                    earned=handed_in * order.piece_rate,
                )
            )
            added += 1
        for phone, quantity in row.get("requests", []):
            db.session.add(
                WorkRequest(
                    submission_id=f"{key}-ask-{phone}", order=order, resident_id=people[phone].id, quantity=quantity
                )
            )
            added += 1
    db.session.flush()
    return added


def _learner_record(person: Resident, row: dict, enterprises: dict, today: dt.date) -> int:
    added = 0
    if completed := row.get("completed"):
        name, institution_name, days_ago = completed
        key = f"demo-outcome-{person.phone}"
        if db.session.scalar(select(Outcome.id).where(Outcome.submission_id == key)) is None:
            programme = db.session.scalar(
                select(Programme)
                .join(Institution, Institution.id == Programme.institution_id)
                .where(Programme.name == name, Institution.name == institution_name)
            )
            db.session.add(
                Outcome(
                    submission_id=key,
                    resident_id=person.id,
                    programme_id=programme.id,
                    institution_id=programme.institution_id,
                    kind=OutcomeKind.CERTIFICATE,
                    level=programme.cert_level or "初级",
                    completed_on=today - dt.timedelta(days=days_ago),
                    evidence="演示数据",
                )
            )
            added += 1
    if declared := row.get("declared"):
        text, days_ago = declared
        key = f"demo-claim-{person.phone}"
        if db.session.scalar(select(LearningClaim.id).where(LearningClaim.submission_id == key)) is None:
            occupation, level = vocabulary.occupation_level(text)
            db.session.add(
                LearningClaim(
                    submission_id=key,
                    resident_id=person.id,
                    kind="certificate",
                    name=occupation,
                    level=level,
                    earned_on=today - dt.timedelta(days=days_ago),
                    status=ClaimStatus.ACCEPTED,
                )
            )
            added += 1
    if (
        row.get("listed")
        and db.session.scalar(select(LearnerListing.id).where(LearnerListing.resident_id == person.id)) is None
    ):
        db.session.add(LearnerListing(resident_id=person.id))
        added += 1
    return added


def _hire(person: Resident, enterprise: Institution, title: str, day: dt.date) -> int:
    job = db.session.scalar(select(Job).where(Job.institution_id == enterprise.id, Job.title == title))
    if job is None or db.session.scalar(
        select(ContactRequest.id).where(ContactRequest.job_id == job.id, ContactRequest.resident_id == person.id)
    ):
        return 0
    moment = dt.datetime.combine(day, dt.time(10), TZ)
    db.session.add(
        ContactRequest(
            job_id=job.id,
            resident_id=person.id,
            status=ContactStatus.HIRED,
            created_at=moment,
            answered_at=moment,
            hired_on=day,
        )
    )
    return 1
