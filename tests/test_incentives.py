"""Incentives that are true (issue 11, point 5): each policy of the demo county × each of its
conditions, through the one rule function (incentives.assess) that plans, class pages and
completions use; and the failing cases of the issue, each a test of its own."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import select

from app.demo import COUNTY
from app.extensions import db
from app.models import Outcome, Policy, User
from app.services import incentives, outcomes
from app.services.incentives import Facts
from tests.admin_world import enrol
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town

POLICIES = {row["code"]: row for row in COUNTY["policies"]}


def demo_policies() -> dict[str, Policy]:
    rows = {code: Policy(**row) for code, row in POLICIES.items()}
    db.session.add_all(rows.values())
    db.session.flush()
    return rows


# The programmes each policy is about (tuition where it is a percentage).
PROGRAMMES = {
    "中专": dict(name="机电技术应用（中专·双证制）", kind="degree", degree_level="中专", tuition=4200),
    "专科": dict(name="会计（专科）", kind="degree", degree_level="专科", tuition=6600),
    "本科": dict(name="法学（本科）", kind="degree", degree_level="本科", tuition=7800),
    "初级": dict(name="电工（初级）", kind="skill", certificate="电工", cert_level="初级"),
    "中级": dict(name="电工（中级）", kind="skill", certificate="电工", cert_level="中级"),
    "高级": dict(name="电工（高级）", kind="skill", certificate="电工", cert_level="高级"),
    "技师": dict(name="电工（技师）", kind="skill", certificate="电工", cert_level="技师"),
    "高级技师": dict(name="电工（高级技师）", kind="skill", certificate="电工", cert_level="高级技师"),
    "叉车": dict(name="叉车司机", kind="skill", certificate="叉车司机证"),
    "农民班": dict(name="农业经理人（农民班）", kind="skill", certificate="农业经理人", cert_level="初级"),
}

KNOWN = Facts(residence="户籍", insurance_months=24, with_certificate=True, claimed=frozenset())
CLAIMED = frozenset({("JN-5", "电工", "初级"), ("JN-TZ", "叉车司机证", None)})

# policy code, programme, facts, expected: amount and state ("sure" / "if" / None: does not apply)
CASES = [
    # 中专 (双证制): both a degree and a certificate
    ("XL-ZZ", "中专", KNOWN, (2000, "sure")),
    ("XL-ZZ", "中专", Facts(with_certificate=False), None),
    ("XL-ZZ", "中专", Facts(), (2000, "if")),
    ("XL-ZZ-JL", "中专", KNOWN, (1000, "sure")),
    ("XL-ZZ-JL", "中专", Facts(with_certificate=False), None),
    ("XL-ZZ-JL", "中专", Facts(), (1000, "if")),
    ("XL-ZZ", "专科", KNOWN, None),
    # 专科: 户籍 40 % / 新平湖人 30 % with 12 months of social insurance
    ("XL-ZK-HJ", "专科", KNOWN, (2640, "sure")),
    ("XL-ZK-HJ", "专科", Facts(residence="流动人口"), None),
    ("XL-ZK-HJ", "专科", Facts(), (2640, "if")),
    ("XL-ZK-LD", "专科", Facts(residence="流动人口", insurance_months=12), (1980, "sure")),
    ("XL-ZK-LD", "专科", Facts(residence="流动人口", insurance_months=11), None),
    ("XL-ZK-LD", "专科", Facts(residence="流动人口"), (1980, "if")),
    ("XL-ZK-LD", "专科", Facts(residence="户籍", insurance_months=60), None),
    ("XL-ZK-LD", "专科", Facts(), (1980, "if")),
    # 本科
    ("XL-BK-HJ", "本科", KNOWN, (3900, "sure")),
    ("XL-BK-HJ", "本科", Facts(residence="流动人口"), None),
    ("XL-BK-HJ", "本科", Facts(), (3900, "if")),
    ("XL-BK-LD", "本科", Facts(residence="流动人口"), (2340, "sure")),
    ("XL-BK-LD", "本科", KNOWN, None),
    ("XL-BK-LD", "本科", Facts(), (2340, "if")),
    # certificates: once per occupation and level, the level must match
    ("JN-5", "初级", KNOWN, (800, "sure")),
    ("JN-5", "初级", Facts(), (800, "sure")),
    ("JN-5", "初级", Facts(claimed=CLAIMED), None),
    ("JN-5", "中级", KNOWN, None),
    ("JN-4", "中级", KNOWN, (1500, "sure")),
    ("JN-4", "中级", Facts(claimed=CLAIMED), (1500, "sure")),
    ("JN-3", "高级", KNOWN, (2400, "sure")),
    ("JN-2", "技师", KNOWN, (3000, "sure")),
    ("JN-1", "高级技师", KNOWN, (3200, "sure")),
    ("JN-TZ", "叉车", KNOWN, (500, "sure")),
    ("JN-TZ", "叉车", Facts(claimed=CLAIMED), None),
    ("JN-TZ", "初级", KNOWN, None),
    # claim window: 12 months after completion
    ("JN-5", "初级", Facts(completed_on=TODAY - dt.timedelta(days=300), today=TODAY), (800, "sure")),
    ("JN-5", "初级", Facts(completed_on=TODAY - dt.timedelta(days=400), today=TODAY), None),
    # a waiver is the learner's but never cash; enterprise subsidies are not the learner's
    ("JN-KW", "初级", Facts(), (200, "waiver")),
    ("NM-BAN", "农民班", Facts(), (1000, "sure")),
    ("NM-BAN", "初级", Facts(), None),
    ("QY-BAN", "初级", KNOWN, None),
    ("QY-XL", "专科", KNOWN, None),
]


def test_every_policy_of_the_demo_county_has_a_case():
    assert {code for code, *_ in CASES} == set(POLICIES)


@pytest.mark.parametrize(("code", "programme", "facts", "expected"), CASES)
def test_each_policy_and_condition(app, code, programme, facts, expected):
    policies = demo_policies()
    made = make_programme(**PROGRAMMES[programme])
    found = [i for i in incentives.for_learner(made, facts) if i.policy.code == code]
    if policies[code].payee == "learner":
        assert found == [i for i in [incentives.assess(policies[code], made, facts)] if i], "the one rule"
    if expected is None:
        assert found == []
        return
    (incentive,) = found
    state = "waiver" if incentive.benefit == "waiver" else "sure" if incentive.sure else "if"
    assert (incentive.amount, state) == expected


# The failing cases, each a test -----------------------------------------------------------


def test_a_fee_waiver_is_never_added_to_cash(client, app):
    """Before: 可领补贴 ¥1,000 (¥800 certificate + ¥200 考务费减免). After: ¥800, and the waiver apart."""
    demo_policies()
    offering = make_offering(programme=make_programme(**PROGRAMMES["初级"]))
    db.session.commit()
    estimate = incentives.estimate(offering.programme, Facts())
    assert (estimate.cash_total, [i.amount for i in estimate.waivers]) == (800, [200])
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "完成后预计可领补贴 ¥800" in html and "¥1,000" not in html
    waiver = html[html.index("incentives-waiver") :]
    assert 'data-policy="JN-KW"' in waiver and "不是现金" in html


def test_the_zhongzhuan_bonus_needs_the_certificate_too(client, app, login_as):
    """Before: XL-ZZ-JL (¥1,000 for degree and certificate both) was counted without the certificate."""
    demo_policies()
    school = make_institution(type="vocational_school")
    programme = make_programme(institution=school, **PROGRAMMES["中专"])
    offering = make_offering(programme=programme)
    db.session.commit()
    estimate = incentives.estimate(programme, Facts(residence="户籍"))
    assert estimate.cash == [] and {i.policy.code for i in estimate.possible} == {"XL-ZZ", "XL-ZZ-JL"}
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "如果同时取得职业技能证书" in html and "完成后预计可领补贴" not in html
    assert estimate.best_possible == 3000 and "下面 2 项条件相同，符合就合计 ¥3,000" in html, (
        "both, with the certificate"
    )
    enrolment = enrol(offering, "13812345678")  # 户籍: only the certificate is not known
    db.session.commit()
    assert outcomes.questions(enrolment, "degree", "中专") == ["certificate"]
    assert outcomes.owed(enrolment, "degree", "中专") == (0, []), "not answered: not paid"
    without = outcomes.owed(enrolment, "degree", "中专", Facts(with_certificate=False))
    assert without == (0, [])
    both = outcomes.owed(enrolment, "degree", "中专", Facts(with_certificate=True))
    assert both == (3000, ["XL-ZZ", "XL-ZZ-JL"])


def test_the_xinpinghu_rate_is_shown_with_its_conditions(client, app):
    """Before: 新平湖人 30 % shown as an amount with no condition. After: next to the amount, 'if' each."""
    demo_policies()
    offering = make_offering(
        programme=make_programme(**PROGRAMMES["专科"]), start_date=TODAY - dt.timedelta(weeks=3), deadline=TODAY
    )
    db.session.commit()
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    line = re.search(r'<li data-policy="XL-ZK-LD".*?</li>\s*</ul>', html, re.S).group(0)
    assert "¥1,980" in line and "如果您是新平湖人（流动人口）" in line
    assert "如果在本市连续缴纳社保满 12 个月" in line and "先交学费，毕业后凭证书申领" in html
    other = re.search(r'<li data-policy="XL-ZK-HJ".*?</li>\s*</ul>', html, re.S).group(0)
    assert "¥2,640" in other and "如果您是本市户籍" in other
    assert "完成后预计可领补贴" not in html, "nothing is sure while the residence is unknown"
    assert incentives.estimate(offering.programme, Facts()).best_possible == 2640, "one residence, not both added"


def test_a_completion_with_unknown_residence_is_not_paid_at_the_huji_rate(app):
    """Before: unknown residence was paid at 户籍 40 % (¥2,640). After: nothing until it is known."""
    demo_policies()
    offering = make_offering(
        programme=make_programme(**PROGRAMMES["专科"]), start_date=TODAY - dt.timedelta(weeks=3), deadline=TODAY
    )
    enrolment = enrol(offering, "13812345678", residence=None)
    assert enrolment.resident.residence is None
    admin = User(username="a", name="管理员", role="admin", password_hash="x")
    db.session.add(admin)
    db.session.flush()
    assert outcomes.questions(enrolment, "degree", "专科") == ["residence", "insurance"]
    # The completion is refused until the residence type is answered (it is asked, never assumed).
    with pytest.raises(outcomes.OutcomeError, match="residence_unknown"):
        outcomes.record(enrolment, "degree", "专科", "毕业证", TODAY, admin, uuid.uuid4().hex)


@pytest.mark.parametrize(
    ("answers", "owed"),
    [
        (Facts(residence="户籍"), (2640, ["XL-ZK-HJ"])),
        (Facts(residence="流动人口", insurance_months=12), (1980, ["XL-ZK-LD"])),
        (Facts(residence="流动人口", insurance_months=6), (0, [])),
        (Facts(residence="流动人口"), (0, [])),
    ],
)
def test_a_completion_records_what_the_answers_allow(app, answers, owed):
    demo_policies()
    offering = make_offering(
        programme=make_programme(**PROGRAMMES["专科"]), start_date=TODAY - dt.timedelta(weeks=3), deadline=TODAY
    )
    enrolment = enrol(offering, "13812345678", residence=None)
    admin = User(username="a", name="管理员", role="admin", password_hash="x")
    db.session.add(admin)
    db.session.flush()
    outcome = outcomes.record(enrolment, "degree", "专科", "毕业证", TODAY, admin, uuid.uuid4().hex, answers)
    assert (outcome.incentive_amount, outcome.policy_codes) == owed
    from app.models import AuditEntry

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outcome.create"))
    assert entry.details["after"]["answers"]["residence"] == answers.residence, "what was answered is kept"


def test_a_certificate_is_paid_once_per_occupation_and_level(app):
    demo_policies()
    admin = User(username="a", name="管理员", role="admin", password_hash="x")
    db.session.add(admin)
    programme = make_programme(**PROGRAMMES["初级"])
    running = {"start_date": TODAY - dt.timedelta(weeks=3), "deadline": TODAY}  # a completion can be recorded today
    first, second = make_offering(programme=programme, **running), make_offering(programme=programme, **running)
    one = enrol(first, "13812345678")
    db.session.flush()
    outcomes.record(one, "certificate", "初级", "证书 1", TODAY, admin, uuid.uuid4().hex)
    again = enrol(second, "13812345678")
    db.session.flush()
    outcome = outcomes.record(again, "certificate", "初级", "证书 2", TODAY, admin, uuid.uuid4().hex)
    assert outcome.incentive_amount == 0 and outcome.policy_codes == []
    amounts = list(db.session.scalars(select(Outcome.incentive_amount).order_by(Outcome.id)))
    assert amounts == [800, 0], "the ¥200 exam-fee waiver is never recorded as cash"


def test_the_plan_shows_each_condition_next_to_its_amount(client, app):
    demo_policies()
    from tests.helpers import tokens
    from tests.test_needs import answers  # the need form's answers, as a resident gives them

    town = make_town("当湖街道")
    make_offering(programme=make_programme(institution=make_institution(town=town), **PROGRAMMES["专科"]), weekday=7)
    db.session.commit()
    form = client.get("/needs/new").get_data(as_text=True)
    data = {**tokens(form), **answers(kind="degree", target="大专", weekdays=["7"], times=None)}
    response = client.post("/needs/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-policy="XL-ZK-HJ"' in html and 'data-policy="XL-ZK-LD"' in html
    assert "如果您是本市户籍" in html and "如果您是新平湖人（流动人口）" in html
    assert "按本地户籍估算" not in html


def test_the_bureau_edits_a_policys_conditions_and_the_save_is_audited(client, login_as):
    from app.models import AuditEntry
    from tests.helpers import tokens

    login_as("admin")
    page = client.get("/admin/policies/new").get_data(as_text=True)
    for name in ("benefit", "min_insurance_months", "needs_certificate", "once_per_level", "claim_months"):
        assert f'name="{name}"' in page, name
    answers = {
        "code": "XL-ZK-LD2",
        "name": "大专补助（新平湖人）",
        "kind": "degree",
        "level": "专科",
        "residence": "流动人口",
        "basis": "tuition_percent",
        "value": "30",
        "payee": "learner",
        "benefit": "cash",
        "min_insurance_months": "0",
        "needs_certificate": "y",
        "claim_months": "12",
        "active": "y",
    }
    bad = client.post("/admin/policies/new", data={**tokens(page), **answers})
    assert bad.status_code == 422 and "请填 1 到 600 之间的整数" in bad.get_data(as_text=True)
    made = client.post(
        "/admin/policies/new", data={**tokens(bad.get_data(as_text=True)), **answers, "min_insurance_months": "12"}
    )
    assert made.status_code == 303
    policy = db.session.scalar(select(Policy).where(Policy.code == "XL-ZK-LD2"))
    assert (
        policy.benefit,
        policy.min_insurance_months,
        policy.needs_certificate,
        policy.once_per_level,
        policy.claim_months,
    ) == (
        "cash",
        12,
        True,
        False,
        12,
    )
    url = f"/admin/policies/{policy.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="12"' in page
    changed = {**answers, "min_insurance_months": "12", "benefit": "waiver", "needs_certificate": ""}
    assert client.post(url, data={**tokens(page), **{k: v for k, v in changed.items() if v}}).status_code == 303
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policies.update"))
    assert entry.details == {
        "before": {"benefit": "cash", "needs_certificate": True},
        "after": {"benefit": "waiver", "needs_certificate": False},
    }
