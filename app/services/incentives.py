"""What a learner can expect back, computed from the incentive policies (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Policy, Programme
from app.vocabulary import Kind


@dataclass(frozen=True)
class Incentive:
    policy: Policy
    amount: int  # yuan


def active_policies() -> list[Policy]:
    return list(db.session.scalars(select(Policy).where(Policy.active.is_(True)).order_by(Policy.id)))


def applies(policy: Policy, programme: Programme, residence: str | None) -> bool:
    if policy.kind != programme.kind:
        return False
    level = programme.degree_level if programme.kind == Kind.DEGREE else programme.cert_level
    if policy.level and policy.level != level:
        return False
    if policy.certificate and policy.certificate != programme.certificate:
        return False
    return not (policy.residence and residence and policy.residence != residence)


def amount(policy: Policy, programme: Programme) -> int:
    value = policy.value if policy.basis == "fixed" else (programme.tuition or 0) * policy.value // 100
    return min(value, policy.cap) if policy.cap else value


def for_learner(programme: Programme, residence: str | None, policies: list[Policy] | None = None) -> list[Incentive]:
    """Incentives a learner of this programme is paid on completion, the most generous rule per
    payee first. When the residence type is unknown, the rule for residents (户籍) is assumed and
    the page says so."""
    policies = active_policies() if policies is None else policies
    found = [
        Incentive(p, amount(p, programme))
        for p in policies
        if p.payee == "learner" and applies(p, programme, residence or "户籍")
    ]
    # Rules with the same kind and level are alternatives (e.g. 户籍 / 流动人口): keep the best one.
    best: dict[tuple, Incentive] = {}
    for incentive in found:
        key = (incentive.policy.kind, incentive.policy.level, incentive.policy.certificate, incentive.policy.basis)
        if key not in best or incentive.amount > best[key].amount:
            best[key] = incentive
    return sorted((i for i in best.values() if i.amount > 0), key=lambda i: -i.amount)


def total(incentives: list[Incentive]) -> int:
    return sum(i.amount for i in incentives)
