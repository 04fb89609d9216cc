"""Each matching rule on its own, then the ranking, the degree path, incentives and mentors."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Mentor, Need, Policy, Programme, Resident
from app.services import incentives, matching
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town

_serial = itertools.count(1)


def need_for(
    target: str, kind: str = "skill", town=None, weekdays="", times="", education=None, major=None, residence=None
) -> Need:
    n = next(_serial)
    resident = Resident(
        phone=f"139{n:08d}",
        name="测试",
        town_id=town.id if town else None,
        consent_method="online",
        education=education,
        residence=residence,
    )
    need = Need(
        ref=f"ref{n}",
        submission_id=f"sub{n}",
        resident=resident,
        kind=kind,
        target=target,
        weekdays=weekdays,
        times=times,
        major=major,
    )
    db.session.add(need)
    db.session.flush()
    return need


def codes(match) -> list[str]:
    return [r.code for r in match.reasons]


@pytest.fixture
def town(app):
    return make_town("当湖街道")


def test_target_matches_characters_pinyin_initials_and_drops_certificate_suffixes(app, town):
    electric = make_offering(name="电工（初级）", kind="skill")
    make_offering(name="焊工（中级）", kind="skill")
    for target in ["电工证", "电工", "diangong", "dg", "电工 培训"]:
        matches, alternatives = matching.suggestions(need_for(target, town=town), TODAY)
        assert [m.offering.id for m in matches] == [electric.id], target
        assert alternatives == []


def test_target_rule_only_suggests_the_same_kind(app, town):
    make_offering(name="电工（初级）", kind="skill")
    matches, _ = matching.suggestions(need_for("电工", kind="community", town=town), TODAY)
    assert matches == []


def test_town_rule(app, town):
    other = make_town("乍浦镇")
    near = make_offering(name="烘焙", town=town)
    far = make_offering(name="烘焙", town=other)
    matches, _ = matching.suggestions(need_for("烘焙", kind="community", town=town), TODAY)
    assert [m.offering.id for m in matches] == [near.id, far.id]
    assert "town" in codes(matches[0]) and "other_town" in codes(matches[1])


def test_days_rule(app, town):
    saturday = make_offering(name="书法", weekday=6)
    monday = make_offering(name="书法", weekday=1)
    matches, _ = matching.suggestions(need_for("书法", kind="community", town=town, weekdays="6,7"), TODAY)
    assert [m.offering.id for m in matches] == [saturday.id, monday.id]
    assert "days" in codes(matches[0]) and "not_days" in codes(matches[1])


def test_time_of_day_rule(app, town):
    evening = make_offering(
        name="电工", kind="skill", start="18:30", end="20:30", start_date=TODAY + dt.timedelta(days=20)
    )
    morning = make_offering(name="电工", kind="skill", start="09:00", end="11:00")
    matches, _ = matching.suggestions(need_for("电工", town=town, times="evening"), TODAY)
    assert [m.offering.id for m in matches] == [evening.id, morning.id]
    assert "time" in codes(matches[0]) and "time" not in codes(matches[1])


def test_seats_rule_puts_full_classes_last_as_waitlist(app, town):
    full = make_offering(name="太极拳", taken=20)
    free = make_offering(name="太极拳", start_date=TODAY + dt.timedelta(days=30))
    matches, _ = matching.suggestions(need_for("太极", kind="community", town=town), TODAY)
    assert [m.offering.id for m in matches] == [free.id, full.id]
    assert "seats" in codes(matches[0]) and "waitlist" in codes(matches[1]) and matches[1].waitlist


def test_only_classes_still_taking_signups(app, town):
    make_offering(name="烘焙", deadline=TODAY - dt.timedelta(days=1))
    make_offering(name="烘焙", status="closed")
    matches, alternatives = matching.suggestions(need_for("烘焙", kind="community", town=town), TODAY)
    assert matches == [] and alternatives == []


def test_ranking_combines_rules_and_ties_go_to_the_sooner_start(app, town):
    later = make_offering(name="烘焙", start_date=TODAY + dt.timedelta(days=40), weekday=3, town=town)
    sooner = make_offering(name="烘焙", start_date=TODAY + dt.timedelta(days=10), weekday=3, town=town)
    elsewhere_on_my_day = make_offering(name="烘焙", town=make_town("新仓镇"), weekday=3)
    matches, _ = matching.suggestions(need_for("烘焙", kind="community", town=town, weekdays="3"), TODAY)
    assert [m.offering.id for m in matches] == [sooner.id, later.id, elsewhere_on_my_day.id]
    assert matches[0].score == 100 + 30 + 20 + 10


def test_no_match_gives_alternatives_of_the_same_kind_nearby(app, town):
    near = make_offering(name="书法", town=town)
    make_offering(name="电工", kind="skill")
    matches, alternatives = matching.suggestions(need_for("插花", kind="community", town=town), TODAY)
    assert matches == [] and [a.offering.id for a in alternatives] == [near.id]
    assert codes(alternatives[0])[0] == "same_kind"


def test_degree_targets_match_levels_and_majors(app, town):
    ou = make_institution(town=town, type="open_university")
    zhuanke = make_offering(
        programme=make_programme(
            "会计（专科）", kind="degree", institution=ou, degree_level="专科", major="会计", tuition=6600, years=2.5
        )
    )
    benke = make_offering(
        programme=make_programme(
            "法学（本科）", kind="degree", institution=ou, degree_level="本科", major="法学", tuition=7800, years=2.5
        )
    )
    assert [m.offering.id for m in matching.suggestions(need_for("大专", kind="degree", town=town), TODAY)[0]] == [
        zhuanke.id
    ]
    assert [
        m.offering.id
        for m in matching.suggestions(need_for("本科", kind="degree", town=town, major="法律 法学"), TODAY)[0]
    ] == [benke.id]


def test_degree_path_from_junior_middle_school(app, town, vocabulary):
    ou = make_institution(town=town, type="open_university")
    make_offering(
        programme=make_programme(
            "机电（中专）", kind="degree", institution=ou, degree_level="中专", tuition=4200, years=2.5
        )
    )
    make_offering(
        programme=make_programme(
            "会计（专科）", kind="degree", institution=ou, degree_level="专科", tuition=6600, years=2.5
        )
    )
    db.session.add(
        Policy(code="ZK", name="大专补助", kind="degree", level="专科", basis="tuition_percent", value=40, cap=2000)
    )
    need = need_for("大专", kind="degree", town=town, education="初中")
    plan = matching.plan(need, TODAY)
    assert [(s.level, s.tuition, s.incentive, s.cost_after_incentives) for s in plan.path] == [
        ("中专", 4200, 0, 4200),
        ("专科", 6600, 2000, 4600),
    ]
    assert matching.plan(need_for("大专", kind="degree", town=town, education="大专"), TODAY).path == []


def test_incentives_come_from_policy_data(app, town):
    programme = make_programme("会计（本科）", kind="degree", degree_level="本科", tuition=8000)
    db.session.add_all(
        [
            Policy(
                code="BK-HJ",
                name="本科（户籍）",
                kind="degree",
                level="本科",
                residence="户籍",
                basis="tuition_percent",
                value=50,
                cap=4000,
            ),
            Policy(
                code="BK-LD",
                name="本科（流动）",
                kind="degree",
                level="本科",
                residence="流动人口",
                basis="tuition_percent",
                value=30,
                cap=3000,
            ),
            Policy(code="QY", name="企业补贴", kind="degree", basis="tuition_percent", value=20, payee="enterprise"),
        ]
    )
    db.session.flush()
    assert [i.amount for i in incentives.for_learner(programme, "户籍")] == [4000]
    assert [i.amount for i in incentives.for_learner(programme, "流动人口")] == [2400]
    unknown = incentives.estimate(programme, None)
    assert (unknown.cash, [i.amount for i in unknown.possible]) == ([], [4000, 2400]), (
        "unknown: each 'if', none assumed"
    )
    skill = make_programme("电工（中级）", kind="skill", cert_level="中级", certificate="电工")
    db.session.add(Policy(code="J4", name="中级", kind="skill", level="中级", basis="fixed", value=1500))
    db.session.flush()
    assert incentives.total(incentives.for_learner(skill, None)) == 1500


def test_mentor_is_from_a_matching_institution_and_balanced_by_load(app, town):
    school = make_institution("技工学校", town=town)
    other = make_institution("别的学校", town=town)
    offering = make_offering(programme=make_programme("电工", kind="skill", institution=school))
    busy = Mentor(name="忙老师", institution=school, phone="1", kinds="skill")
    free = Mentor(name="闲老师", institution=school, phone="2", kinds="skill")
    elsewhere = Mentor(name="外校老师", institution=other, phone="3", kinds="skill")
    db.session.add_all([busy, free, elsewhere])
    db.session.flush()
    need_for("电工", town=town).mentor = busy
    db.session.flush()
    match = matching.score(offering, need_for("电工", town=town), town.id)
    assert matching.assign_mentor(need_for("电工", town=town), [match]).name == "闲老师"
    assert matching.assign_mentor(need_for("烘焙", kind="community", town=town), []) is None


# The cases issue 11 found, each on its own (with the vocabulary and Pinghu's towns as shipped) --------

PINGHU = ["当湖街道", "钟埭街道", "曹桥街道", "乍浦镇", "新埭镇", "新仓镇", "广陈镇", "林埭镇", "独山港镇"]


@pytest.fixture
def pinghu(app):
    towns = {name: make_town(name) for name in PINGHU}
    from app.services import vocabulary

    vocabulary.load_file()
    return towns


def skill_class(name, town, certificate, level, **kwargs):
    school = make_institution(f"{town.name}学校{next(_serial)}", town=town, type="vocational_school")
    programme = make_programme(name, kind="skill", institution=school, certificate=certificate, cert_level=level)
    return make_offering(programme=programme, **kwargs)


def programmes(matches) -> list[str]:
    return [m.offering.programme.name for m in matches]


def test_issue11_electrician_permit_finds_electrician_not_housekeeping_or_welding(app, pinghu):
    electric = skill_class("电工（初级）", pinghu["钟埭街道"], "电工", "初级")
    skill_class("家政服务员（初级）", pinghu["新埭镇"], "家政服务员", "初级")
    skill_class("焊工（中级）", pinghu["钟埭街道"], "焊工", "中级")
    for target in ["电工上岗证", "电工证", "水电工"]:
        matches, alternatives = matching.suggestions(need_for(target, town=pinghu["新埭镇"]), TODAY)
        assert [m.offering.id for m in matches] == [electric.id], target
        assert alternatives == [], target
    plan = matching.plan(need_for("电工上岗证", town=pinghu["新埭镇"]), TODAY)
    assert plan.programmes == ["电工"]


def test_issue11_brush_calligraphy_ranks_calligraphy_not_health(app, pinghu):
    home = pinghu["当湖街道"]
    make_offering(name="养生保健", town=home)
    calligraphy = make_offering(name="书法", town=pinghu["钟埭街道"])
    matches, alternatives = matching.suggestions(need_for("毛笔字", kind="community", town=home), TODAY)
    assert programmes(matches) == ["书法"] and matches[0].offering.id == calligraphy.id
    assert alternatives == []
    assert programmes(matching.suggestions(need_for("做蛋糕", kind="community", town=home), TODAY)[0]) == []


def test_issue11_intermediate_electrician_is_not_offered_without_the_junior_certificate(app, pinghu):
    home = pinghu["当湖街道"]
    intermediate = skill_class("电工（中级）", home, "电工", "中级")  # in their own town, bigger subsidy
    junior = skill_class("电工（初级）", pinghu["钟埭街道"], "电工", "初级")
    db.session.add(Policy(code="J4", name="中级", kind="skill", level="中级", basis="fixed", value=1500))
    need = need_for("电工证", town=home, education="初中")
    plan = matching.plan(need, TODAY)
    assert [m.offering.id for m in plan.matches] == [junior.id]
    assert [(h.programme.id, h.why, h.first) for h in plan.held] == [(intermediate.programme.id, "certificate", "初级")]
    assert "已取得电工初级证书" in plan.held[0].needs
    assert [r.code for r in plan.cards[0].reasons] == ["first_level"]
    # With the junior certificate, the intermediate class is the one, and the junior one is not offered again.
    need.held_level = "初级"
    plan = matching.plan(need, TODAY)
    assert [m.offering.id for m in plan.matches] == [intermediate.id]
    assert [(h.why, h.needs) for h in plan.held] == [("holds", "初级")]
    assert [r.code for r in plan.cards[0].reasons] == ["holds"]


def test_issue11_nearer_town_comes_before_a_farther_one_that_starts_sooner(app, pinghu):
    far = skill_class("电工（初级）", pinghu["独山港镇"], "电工", "初级", start_date=TODAY + dt.timedelta(days=3))
    near = skill_class("电工（初级）", pinghu["钟埭街道"], "电工", "初级", start_date=TODAY + dt.timedelta(days=30))
    matches, _ = matching.suggestions(need_for("电工", town=pinghu["新埭镇"]), TODAY)
    assert [m.offering.id for m in matches] == [near.id, far.id]
    assert matches[0].distance == "near" and matches[1].distance == "far"
    (town, km), (far_town, far_km) = matches[0].reasons[1].value, matches[1].reasons[1].value
    assert (town, far_town) == ("钟埭街道", "独山港镇") and km < 10 < far_km < 30
    own = skill_class("电工（初级）", pinghu["新埭镇"], "电工", "初级", start_date=TODAY + dt.timedelta(days=60))
    matches, _ = matching.suggestions(need_for("电工", town=pinghu["新埭镇"]), TODAY)
    assert matches[0].offering.id == own.id and matches[0].distance == "town"


def test_classes_of_one_programme_share_one_card_and_cards_differ_in_their_reasons(app, pinghu):
    home = pinghu["新埭镇"]
    school = make_institution("技工学校", town=pinghu["钟埭街道"], type="vocational_school")
    programme = make_programme("电工（初级）", kind="skill", institution=school, certificate="电工", cert_level="初级")
    evening = make_offering(programme=programme, weekday=2, start="18:30", end="20:30")
    weekend = make_offering(programme=programme, weekday=6)
    other = skill_class("电工（初级）", home, "电工", "初级", taken=20)
    plan = matching.plan(need_for("电工", town=home, weekdays="2"), TODAY)
    assert [[m.offering.id for m in card.classes] for card in plan.cards] == [[evening.id, weekend.id], [other.id]]
    lines = [{(r.code, str(r.value)) for r in card.best.reasons if r.code != "target"} for card in plan.cards]
    assert lines[0] != lines[1]


def test_degree_cards_name_the_cheaper_choice_and_the_next_step(app, pinghu):
    ou = make_institution("开放大学", town=pinghu["当湖街道"], type="open_university")
    dear = make_programme("会计（专科）", kind="degree", institution=ou, degree_level="专科", tuition=7200, years=3)
    cheap = make_programme(
        "行政管理（专科）", kind="degree", institution=ou, degree_level="专科", tuition=6600, years=2.5
    )
    make_programme("法学（本科）", kind="degree", institution=ou, degree_level="本科", tuition=7800, years=2.5)
    for programme in (dear, cheap, *db.session.scalars(select(Programme).where(Programme.name == "法学（本科）"))):
        make_offering(programme=programme)
    plan = matching.plan(
        need_for("大专", kind="degree", town=pinghu["当湖街道"], education="高中", major="会计"), TODAY
    )
    card = plan.cards[0]
    assert card.programme.id == dear.id
    assert ("cheaper", ("行政管理（专科）", 6600)) in [(r.code, r.value) for r in card.reasons]
    assert card.next_step.route == "专升本" and card.next_programme.name == "法学（本科）"


def test_mentor_comes_from_the_institution_of_the_first_choice(app, town):
    first = make_institution("第一所", town=town)
    second = make_institution("第二所", town=town)
    top = make_offering(programme=make_programme("电工", kind="skill", institution=first))
    other = make_offering(programme=make_programme("电工", kind="skill", institution=second))
    db.session.add_all(
        [
            Mentor(name="第二所老师", institution=second, phone="1", kinds="skill"),
            Mentor(name="第一所老师", institution=first, phone="2", kinds="skill"),
        ]
    )
    db.session.flush()
    need = need_for("电工", town=town)
    matches = [matching.score(top, need, town.id), matching.score(other, need, town.id)]
    assert matching.assign_mentor(need, matches).name == "第一所老师"


def test_a_degree_level_they_cannot_enter_yet_gives_the_step_before_it(app, pinghu):
    ou = make_institution("开放大学", town=pinghu["当湖街道"], type="open_university")
    zhuanke = make_offering(
        programme=make_programme("会计（专科）", kind="degree", institution=ou, degree_level="专科", tuition=6600)
    )
    zhongzhuan = make_offering(
        programme=make_programme("机电（中专）", kind="degree", institution=ou, degree_level="中专", tuition=4200)
    )
    make_offering(programme=make_programme("法学（本科）", kind="degree", institution=ou, degree_level="本科"))
    plan = matching.plan(need_for("大专", kind="degree", town=pinghu["当湖街道"], education="初中"), TODAY)
    assert [m.offering.id for m in plan.matches] == [zhongzhuan.id]
    assert plan.matches[0].reasons[0] == matching.Reason("first_step", "中专")
    assert [(h.programme.id, h.why, h.needs, h.first) for h in plan.held] == [
        (zhuanke.programme.id, "education", "高中、中专或职高毕业", "中专")
    ]
    assert [(s.level, s.route) for s in plan.path] == [("中专", "成人中专"), ("专科", "高起专")]
    assert plan.programmes == ["专科"]
    unknown = matching.plan(need_for("大专", kind="degree", town=pinghu["当湖街道"]), TODAY)
    assert [m.offering.id for m in unknown.matches] == [zhuanke.id], "education not given: nothing is assumed"
