"""Completions → outcomes → the incentive owed under the policies → paid by the bureau.

A completion is refused when its date is before the class started or after today, when its
certificate number (a degree's or vocational certificate's, nationally unique) is already recorded,
or when the class requires attendance the person does not have. Facts the policies depend on (the
residence type, 户籍 or 流动人口) are asked when unknown, never assumed: `facts_to_ask` says which."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from types import SimpleNamespace

from sqlalchemy import select, update

from app.clock import today, utcnow
from app.extensions import db
from app.models import Benefit, Enrolment, Need, Outcome, OutcomeKind, User
from app.models.enrolment import EnrolmentStatus
from app.models.resident import NeedStatus
from app.services import ServiceError, attendance, incentives, staff
from app.vocabulary import Kind

COMPLETABLE = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.COMPLETED)
NUMBERED = ("degree", "certificate")  # kinds whose evidence is a nationally unique certificate number
RESIDENCES = ("户籍", "流动人口")
_LABEL = re.compile(r"^(毕业证书编号|毕业证书号|毕业证书|证书编号|证书号|证书|编号|no\.?)[:：#]?", re.IGNORECASE)


class OutcomeError(ServiceError):
    pass


def certificate_number(evidence: str) -> str | None:
    """The number in what was typed: full-width to half-width, no spaces, upper case, a leading
    label (证书编号：) dropped. 证书 ＮＯ 001 and 001 are the same number."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", evidence or ""))
    text = _LABEL.sub("", text).upper()
    return text[:60] or None


def facts_to_ask(enrolment: Enrolment) -> set[str]:
    """What the policies for this class need to know about the person and is not known yet: for
    now the residence type, when a policy of the programme's kind depends on it (the incentives
    issue adds further conditions here)."""
    kind = enrolment.offering.programme.kind
    needed = set()
    if enrolment.resident.residence is None and any(
        p.residence and p.kind == kind and p.payee == "learner" for p in incentives.active_policies()
    ):
        needed.add("residence")
    return needed


def _achieved(enrolment: Enrolment, kind: str, level: str | None):
    """The programme as finished: at the level actually reached (a certificate may be obtained at
    another level than the course aimed at)."""
    programme = enrolment.offering.programme
    return SimpleNamespace(
        kind=programme.kind,
        degree_level=level if kind == OutcomeKind.DEGREE else programme.degree_level,
        cert_level=level if kind == OutcomeKind.CERTIFICATE else programme.cert_level,
        certificate=programme.certificate,
        tuition=programme.tuition,
    )


def facts(enrolment: Enrolment, answers: incentives.Facts | None, completed_on: dt.date | None) -> incentives.Facts:
    """What is known for this completion: the resident's record first, then what the completion form
    answered (residence type, months of social insurance, a certificate with the degree), the
    outcomes already recorded (once per level) and the dates (claim window). Nothing is assumed."""
    answers = answers or incentives.Facts()
    resident = enrolment.resident
    return incentives.Facts(
        residence=resident.residence or answers.residence,
        insurance_months=answers.insurance_months,
        with_certificate=answers.with_certificate,
        claimed=incentives.claimed(resident.id),
        completed_on=completed_on,
        today=today(),
    )


def _found(enrolment: Enrolment, kind: str, level: str | None, known: incentives.Facts) -> list[incentives.Incentive]:
    if kind == OutcomeKind.COMPLETION and enrolment.offering.programme.kind != Kind.COMMUNITY:
        return []
    return incentives.for_learner(_achieved(enrolment, kind, level), known)


def owed(
    enrolment: Enrolment,
    kind: str,
    level: str | None,
    answers: incentives.Facts | None = None,
    completed_on: dt.date | None = None,
) -> tuple[int, list[str]]:
    """What the learner is owed for this completion, and the policies it comes from: cash whose
    every condition is known and met (incentives.assess, the rule the pages use). A condition
    nobody answered is not paid; `questions()` says which the form should ask."""
    found = incentives.owed(_found(enrolment, kind, level, facts(enrolment, answers, completed_on)))
    return incentives.total(found), [i.policy.code for i in found]


def questions(enrolment: Enrolment, kind: str, level: str | None) -> list[incentives.Requirement]:
    """The facts the completion form must ask for this enrolment (its resident's record lacks them
    and a policy for this completion depends on them): residence, insurance, certificate."""
    unknown = {
        c.need
        for i in _found(enrolment, kind, level, facts(enrolment, None, None))
        if i.benefit == Benefit.CASH
        for c in i.unknown
    }
    return [need for need in incentives.ASKED if need in unknown]


def record(
    enrolment: Enrolment,
    kind: str,
    level: str | None,
    evidence: str,
    completed_on: dt.date,
    actor: User,
    submission_id: str,
    answers: incentives.Facts | None = None,
    residence: str | None = None,
) -> Outcome:
    """One outcome per enrolment; a replay of the same submission returns the first one. `answers`
    are the completion form's facts the resident's record lacks (see `questions()`); the incentive
    recorded is only what the policies' conditions allow with them."""
    first = db.session.scalar(select(Outcome).where(Outcome.submission_id == submission_id))
    if first is not None:
        return first
    if enrolment.status not in COMPLETABLE:
        raise OutcomeError("not_enrolled")
    if db.session.scalar(select(Outcome.id).where(Outcome.enrolment_id == enrolment.id)) is not None:
        raise OutcomeError("already_recorded")
    offering = enrolment.offering
    if completed_on > today():
        raise OutcomeError("in_future", today=today().isoformat())
    if completed_on < offering.start_date:
        raise OutcomeError("before_start", start=offering.start_date.isoformat())
    number = certificate_number(evidence) if kind in NUMBERED else None
    if number is not None:
        holder = db.session.scalar(select(Outcome).where(Outcome.certificate_no == number))
        if holder is not None:
            raise OutcomeError("certificate_taken", number=number, name=holder.resident.name)
    if (short := attendance.short_of(enrolment, completed_on)) is not None:
        raise OutcomeError("attendance_short", **short)
    resident = enrolment.resident
    residence = residence or (answers.residence if answers else None)
    if "residence" in facts_to_ask(enrolment):
        if residence not in RESIDENCES:
            raise OutcomeError("residence_unknown")
        resident.residence = residence
        staff.audit(
            actor,
            "resident.update",
            "resident",
            resident.id,
            resident_id=resident.id,
            before={"residence": None},
            after={"residence": residence},
            asked_for="outcome",
        )
    amount, codes = owed(enrolment, kind, level, answers, completed_on)
    outcome = Outcome(
        submission_id=submission_id,
        enrolment_id=enrolment.id,
        resident_id=enrolment.resident_id,
        programme_id=enrolment.offering.programme_id,
        institution_id=enrolment.offering.institution_id,
        kind=kind,
        level=level or None,
        evidence=evidence,
        certificate_no=number,
        completed_on=completed_on,
        incentive_amount=amount,
        policy_codes=codes,
        recorded_by_id=actor.id,
    )
    db.session.add(outcome)
    enrolment.status = EnrolmentStatus.COMPLETED  # keeps its seat: the class is over for them, not left
    db.session.execute(
        update(Need)
        .where(Need.resident_id == enrolment.resident_id, Need.kind == enrolment.offering.kind)
        .values(status=NeedStatus.COMPLETED)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    staff.audit(
        actor,
        "outcome.create",
        "outcome",
        outcome.id,
        resident_id=enrolment.resident_id,
        before=None,
        after={
            "kind": kind,
            "level": level,
            "evidence": evidence,
            "certificate_no": number,
            "completed_on": completed_on.isoformat(),
            "incentive_amount": amount,
            "policy_codes": codes,
            "enrolment_id": enrolment.id,
            # What the completion form answered for the conditions (the resident's record lacked it).
            **({"answers": _answered(answers)} if answers and _answered(answers) else {}),
        },
    )
    return outcome


def _answered(answers: incentives.Facts) -> dict:
    given = {
        "residence": answers.residence,
        "insurance_months": answers.insurance_months,
        "with_certificate": answers.with_certificate,
    }
    return {key: value for key, value in given.items() if value is not None}


def mark_paid(outcome: Outcome, actor: User) -> bool:
    """The bureau paid this incentive. Marking twice changes nothing (returns False)."""
    if outcome.paid_at is not None:
        return False
    outcome.paid_at, outcome.paid_by_id = utcnow(), actor.id
    staff.audit(
        actor,
        "outcome.paid",
        "outcome",
        outcome.id,
        resident_id=outcome.resident_id,
        before={"paid_at": None},
        after={"paid_at": outcome.paid_at.isoformat(), "amount": outcome.incentive_amount},
    )
    db.session.flush()
    return True
