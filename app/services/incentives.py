"""What a learner can expect back, computed from the incentive policies and their conditions (data).

One rule function, `assess(policy, programme, facts)`, decides for every page and for a completion:
it checks each of the policy's conditions against what is known of the person (`Facts`). A condition
is met, unmet (the policy does not apply), unknown (shown as "if …" on a page, asked on the completion
form, never assumed), or a rule that is only said (once per level, claim window, when nothing is known
of the person). Cash, fee waivers and enterprise subsidies are kept apart: a waiver is never cash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select

from app.extensions import db
from app.models import Benefit, Outcome, Policy, Programme
from app.vocabulary import Kind


class State(StrEnum):
    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"  # a fact about the person nobody has given: "if …"
    RULE = "rule"  # a rule said next to the amount (once per level, claim window)


class Requirement(StrEnum):
    """The conditions a policy can have, as they are shown and asked."""

    RESIDENCE = "residence"  # value: 户籍 / 流动人口
    INSURANCE = "insurance"  # value: months of social insurance at least
    CERTIFICATE = "certificate"  # a degree with a vocational certificate as well
    ONCE = "once"  # once per occupation and level; value: "电工 初级"
    CLAIM = "claim"  # value: months after completion to claim within


# The facts a completion form has to give when the resident's record does not hold them.
ASKED = (Requirement.RESIDENCE, Requirement.INSURANCE, Requirement.CERTIFICATE)


@dataclass(frozen=True)
class Facts:
    """What is known of the learner; None means not known (never a default)."""

    residence: str | None = None  # 户籍 / 流动人口
    insurance_months: int | None = None  # months of social insurance paid in the county
    with_certificate: bool | None = None  # a degree finished with a vocational certificate as well
    # (policy code, certificate, level) already earned; None: nothing known of the person's record.
    claimed: frozenset[tuple[str, str | None, str | None]] | None = None
    completed_on: dt.date | None = None  # for a completion: when, to check the claim window
    today: dt.date | None = None


@dataclass(frozen=True)
class Condition:
    need: Requirement
    value: str | int | None
    state: State


@dataclass(frozen=True)
class Incentive:
    policy: Policy
    amount: int  # yuan
    conditions: tuple[Condition, ...] = ()

    @property
    def benefit(self) -> str:
        return self.policy.benefit

    @property
    def unknown(self) -> list[Condition]:
        """The conditions nobody has answered: the amount holds only if they are met."""
        return [c for c in self.conditions if c.state == State.UNKNOWN]

    @property
    def sure(self) -> bool:
        return not self.unknown


@dataclass(frozen=True)
class IfGroup:
    """Cash that holds on the same unknown conditions: paid together if they are met."""

    conditions: tuple[Condition, ...]
    incentives: tuple[Incentive, ...]

    @property
    def total(self) -> int:
        return total(list(self.incentives))


@dataclass
class Estimate:
    """What a page shows for one programme: cash that is sure, cash if an unknown condition is met
    (grouped by those conditions: alternatives such as 户籍 / 新平湖人 are never added up), and fee
    waivers, apart from the cash."""

    cash: list[Incentive] = field(default_factory=list)
    possible: list[Incentive] = field(default_factory=list)
    waivers: list[Incentive] = field(default_factory=list)

    @property
    def cash_total(self) -> int:
        return total(self.cash)

    @property
    def groups(self) -> list[IfGroup]:
        found: dict[tuple, list[Incentive]] = {}
        for incentive in self.possible:
            found.setdefault(tuple(incentive.unknown), []).append(incentive)
        return [IfGroup(conditions, tuple(items)) for conditions, items in found.items()]

    @property
    def best_possible(self) -> int:
        """The most the cash can come to if the unknown facts turn out well. Only residence types
        exclude each other (one person has one); more months of insurance or a certificate as
        well never stop another rule."""
        residences = {c.value for i in self.possible for c in i.unknown if c.need == Requirement.RESIDENCE}

        def fits(incentive: Incentive, residence) -> bool:
            return all(c.need != Requirement.RESIDENCE or c.value == residence for c in incentive.unknown)

        best = max((sum(i.amount for i in self.possible if fits(i, r)) for r in residences or {None}), default=0)
        return self.cash_total + best

    @property
    def empty(self) -> bool:
        return not (self.cash or self.possible or self.waivers)

    @property
    def asks(self) -> list[Requirement]:
        """What is not known and would change the amount."""
        return sorted({c.need for i in self.possible for c in i.unknown}, key=list(Requirement).index)


def active_policies() -> list[Policy]:
    return list(db.session.scalars(select(Policy).where(Policy.active.is_(True)).order_by(Policy.id)))


def _level(programme: Programme) -> str | None:
    return programme.degree_level if programme.kind == Kind.DEGREE else programme.cert_level


def covers(policy: Policy, programme: Programme) -> bool:
    """The policy is about this programme: its kind, level and certificate (facts of the class, not the person)."""
    if policy.kind != programme.kind:
        return False
    if policy.level and policy.level != _level(programme):
        return False
    return not (policy.certificate and policy.certificate != programme.certificate)


def _fact(known, wanted) -> State:
    if known is None:
        return State.UNKNOWN
    return State.MET if known == wanted else State.UNMET


def conditions(policy: Policy, programme: Programme, facts: Facts) -> list[Condition]:
    """Each of the policy's conditions, checked against the facts."""
    found = []
    if policy.residence:
        found.append(Condition(Requirement.RESIDENCE, policy.residence, _fact(facts.residence, policy.residence)))
    if policy.min_insurance_months:
        months = facts.insurance_months
        state = State.UNKNOWN if months is None else State.MET if months >= policy.min_insurance_months else State.UNMET
        found.append(Condition(Requirement.INSURANCE, policy.min_insurance_months, state))
    if policy.needs_certificate and programme.kind == Kind.DEGREE:
        found.append(Condition(Requirement.CERTIFICATE, None, _fact(facts.with_certificate, True)))
    if policy.once_per_level:
        what = " ".join(x for x in (programme.certificate, _level(programme)) if x)
        if facts.claimed is None:
            state = State.RULE
        else:
            state = (
                State.UNMET if (policy.code, programme.certificate, _level(programme)) in facts.claimed else State.MET
            )
        found.append(Condition(Requirement.ONCE, what, state))
    if policy.claim_months:
        state = State.RULE
        if facts.completed_on and facts.today:
            deadline = _add_months(facts.completed_on, policy.claim_months)
            state = State.MET if facts.today <= deadline else State.UNMET
        found.append(Condition(Requirement.CLAIM, policy.claim_months, state))
    return found


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def amount(policy: Policy, programme: Programme) -> int:
    value = policy.value if policy.basis == "fixed" else (programme.tuition or 0) * policy.value // 100
    return min(value, policy.cap) if policy.cap else value


def assess(policy: Policy, programme: Programme, facts: Facts) -> Incentive | None:
    """The one rule: what this policy gives a learner of this programme with these facts, with each
    condition and its state; None when the policy is not about the programme, a condition is not
    met, or the amount is nothing."""
    if not covers(policy, programme):
        return None
    checked = conditions(policy, programme, facts)
    if any(c.state == State.UNMET for c in checked):
        return None
    value = amount(policy, programme)
    return Incentive(policy, value, tuple(checked)) if value > 0 else None


def _facts(facts: Facts | str | None) -> Facts:
    return facts if isinstance(facts, Facts) else Facts(residence=facts)


def for_learner(
    programme: Programme, facts: Facts | str | None, policies: list[Policy] | None = None
) -> list[Incentive]:
    """The learner's incentives for this programme (cash and waivers; enterprise subsidies are not
    theirs), the largest first. `facts` may be just a residence type (or None: nothing known);
    unknown facts are never assumed: the incentives that hang on them say so (`Incentive.unknown`)."""
    policies = active_policies() if policies is None else policies
    facts = _facts(facts)
    found = [
        incentive
        for p in policies
        if p.benefit != Benefit.ENTERPRISE and p.payee == "learner"
        if (incentive := assess(p, programme, facts)) is not None
    ]
    return sorted(found, key=lambda i: (-i.amount, i.policy.id))


def estimate(programme: Programme, facts: Facts | str | None, policies: list[Policy] | None = None) -> Estimate:
    """for_learner, sorted into what a page shows: sure cash, cash if …, and waivers apart."""
    return sort_out(for_learner(programme, facts, policies))


def sort_out(found: list[Incentive]) -> Estimate:
    """Incentives (from for_learner) sorted into an Estimate."""
    result = Estimate()
    for incentive in found:
        if incentive.benefit == Benefit.WAIVER:
            result.waivers.append(incentive)
        elif incentive.sure:
            result.cash.append(incentive)
        else:
            result.possible.append(incentive)
    return result


def owed(incentives: list[Incentive]) -> list[Incentive]:
    """What a completion may record: cash whose every condition is known and met."""
    return [i for i in incentives if i.benefit == Benefit.CASH and i.sure]


def total(incentives: list[Incentive]) -> int:
    """The sum of cash incentives; waivers are never added to cash."""
    return sum(i.amount for i in incentives if i.benefit != Benefit.WAIVER)


def claimed(resident_id: int) -> frozenset[tuple[str, str | None, str | None]]:
    """(policy code, certificate, level) of what the resident's recorded outcomes already earned."""
    rows = db.session.execute(
        select(
            Outcome.policy_codes,
            Programme.certificate,
            Programme.degree_level,
            Programme.cert_level,
            Outcome.level,
            Outcome.kind,
        )
        .join(Programme, Programme.id == Outcome.programme_id)
        .where(Outcome.resident_id == resident_id)
    )
    earned = set()
    for codes, certificate, degree_level, cert_level, level, kind in rows:
        reached = level or (degree_level if kind == "degree" else cert_level)
        for code in codes or []:
            earned.add((code, certificate, reached))
    return frozenset(earned)


def facts_of(resident) -> Facts:
    """What the resident's record says (the plan's facts): residence type and what they already claimed."""
    return Facts(residence=resident.residence or None, claimed=claimed(resident.id) if resident.id else frozenset())
