"""Every HTML page the suite can render, for every role, from the app's URL map: one walk shared by
the HTML check (tests/test_html_valid.py) and the sideways-scroll check
(tests/browser/test_no_sideways_scroll.py).

`build_world()` makes a small county with real ids (the demo county's towns, institutions and
classes, the two institutions of tests/admin_world.py, a resident with a plan and a sign-up, a
worker's own entries, a call-back, a gap on the dashboard). `walk(app, world)` lists the pages of
each role: every GET rule of the URL map whose endpoint the role may open, with the URL values
filled in from the world, plus the few list variants of EXTRA. A GET rule that is neither walked
nor in NOT_HTML (each with its reason) fails `walk`, so a new route cannot be missed.

Roles: public (nobody logged in), resident (logged in at /me), elder and elder-big (the 长辈版
cookie, and 大字), worker, institution, admin. `client_for(app, world, role)` logs a test client
in as that role through the real forms.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from flask import Flask, url_for
from werkzeug.routing import BuildError
from werkzeug.routing.converters import AnyConverter

from app.demo import load_demo
from app.extensions import db
from app.models import (
    CallbackRequest,
    CertificateStep,
    ClassRequest,
    DegreeStep,
    Enrolment,
    GroupProposal,
    Job,
    JobPush,
    Mentor,
    Need,
    Offering,
    ProgrammeTerm,
    Resident,
    User,
    WorkOrder,
    WorkRequest,
)
from app.services import dashboard, needs
from app.services.residents import Person
from app.services.staff import create_or_update_user
from tests.admin_world import Side, enrol, make_policy, make_side
from tests.factories import TODAY, make_offering, make_programme, make_town
from tests.helpers import PASSWORD, log_in, make_user, tokens

ROLES = ("public", "resident", "elder", "elder-big", "worker", "institution", "admin", "mentor", "enterprise")
LOCALES = ("zh_Hans_CN", "en")
RESIDENT_PHONE = "13800000001"  # the own side's first sign-up: a resident with a plan and a class

# GET endpoints that answer something other than an HTML page, and why they are not walked.
NOT_HTML = {
    "courses.ics": "an iCalendar file (text/calendar) for the phone's calendar",
    "signup.draw_record": "the lottery's published draw, plain text (text/plain)",
    "main.healthz": "the load balancer's health check (JSON)",
    "main.readyz": "the load balancer's readiness check (JSON)",
    "main.set_language": "the language switch: a 303 back to the page it came from",
    "main.switch_view": "the 长辈版 switch: a 303 to /elder/ or /",
    "elder.text_size": "the 大字 switch: a 303 back to the page",
    "admin.index": "a 303 to the staff member's start page",
    "offline.service_worker": "the service worker (JavaScript)",
    "offline.rules": "the outbox's form rules (JSON)",
    "worker.api_session": "the outbox's log-in check (JSON)",
    "admin.dashboard_export": "a dashboard table as XLSX or CSV",
    "admin.export_enrolments": "the enrolments export (XLSX or CSV)",
    "admin.export_needs": "the needs export (XLSX or CSV)",
    "admin.import_template": "the import template (XLSX or CSV)",
    "admin.roster_export": "the roster as XLSX or CSV",
    "me.download": "everything held about a resident, as one JSON file",
}

# List pages whose other states are pages of their own (query strings), and the error pages;
# `walk` adds the pages of the world's class with nobody signed up.
EXTRA = {
    "public": [
        "/courses?kind=skill",
        "/courses?q=%E4%B9%A6%E6%B3%95",  # 书法
        "/courses?q=zzzzzz",  # nothing found
        "/schedule?kind=community",
        "/courses/999999",  # the 404 page
    ],
    "elder": ["/elder/courses?day=today", "/elder/courses?day=3", "/elder/courses/999999"],
}
NOT_FOUND = {"/courses/999999", "/elder/courses/999999"}


@dataclass
class World:
    own: Side
    other: Side
    worker: User
    staff: User
    admin: User
    need: Need  # the resident's own need (their plan)
    worker_need: Need
    worker_signup: Enrolment
    open_enrolment: Enrolment  # a confirmed sign-up nobody cancels during the walk
    empty: Offering  # a class with nobody signed up (its empty roster)
    callback: CallbackRequest
    item_ids: dict[str, int] = field(default_factory=dict)
    gap: dashboard.Gap | None = None
    mentor: User | None = None  # a mentor account, linked to the resident's mentor
    enterprise: User | None = None  # an enterprise's account, with a job and a 共富工坊 order in the worker's town
    job_push_ref: str = ""  # the resident was told of the enterprise's job: its text's stop link


def build_world() -> World:
    load_demo(TODAY)  # real names, real lists: long words and full pages are what overflow
    town = make_town("当湖街道测试社区")
    admin = make_user("admin")
    own = make_side(town, "本校", RESIDENT_PHONE, admin)
    other = make_side(town, "他校", "13800000002", admin)
    policy = make_policy()
    worker = make_user("worker", town=town)
    staff = make_user("institution", institution=own.institution)
    resident = db.session.get(Resident, own.enrolment.resident_id)
    need = needs.report(
        Person(name=resident.name, phone=resident.phone, town_id=town.id),
        needs.Wish(kind="skill", target="电工", weekdays=(6, 7), times=("evening",), town_id=town.id),
        submission_id=uuid.uuid4().hex,
        today=TODAY,
    )
    worker_need = needs.report(
        Person(name="陈秀英", phone="13800000003", town_id=town.id, age_band="60+"),
        needs.Wish(kind="community", target="智能手机使用", town_id=town.id),
        submission_id=uuid.uuid4().hex,
        today=TODAY,
        source="assisted",
        consent_method="verbal",
        entered_by=worker,
    )
    # A gap on the dashboard: people in a town where nothing teaches what they want.
    far = make_town("独山港测试村")
    for n in range(3):
        needs.report(
            Person(name=f"赵{n}", phone=f"1390000000{n}", town_id=far.id),
            needs.Wish(kind="skill", target="焊工", town_id=far.id),
            submission_id=uuid.uuid4().hex,
            today=TODAY,
        )
    later = make_offering(programme=make_programme(name="书法", institution=own.institution), senior=True)
    worker_signup = enrol(later, "13800000003", name="陈秀英")
    worker_signup.entered_by_id = worker.id
    open_enrolment = enrol(later, "13800000004", name="周杰")
    empty = make_offering(programme=own.programme, start_date=TODAY + dt.timedelta(days=20))
    mentor = Mentor(name="张老师", institution_id=own.institution.id, phone="13900000000", kinds="skill")
    callback = CallbackRequest(submission_id=uuid.uuid4().hex, town_id=town.id, name="王芳", phone=RESIDENT_PHONE)
    db.session.add_all([mentor, callback])
    db.session.flush()
    need.mentor_id = mentor.id  # the resident's mentor, who opens their page at /mentor/residents/<id>
    mentor_user, _ = create_or_update_user("mentor", f"mentor-{uuid.uuid4().hex[:6]}", PASSWORD, mentor_id=mentor.id)
    # learn → earn: an enterprise with a job and a work order; the bureau's request to the own institution
    boss, _ = create_or_update_user("enterprise", f"firm-{uuid.uuid4().hex[:6]}", PASSWORD, town=str(town.id),
                                    org="平湖光电科技有限公司")  # fmt: skip
    job = Job(submission_id=uuid.uuid4().hex, institution_id=boss.institution_id, title="配电房值班电工",
              town_id=town.id, pay_min=4000, pay_max=6000, shifts="day", occupation="电工",
              cert_level="初级")  # fmt: skip
    order = WorkOrder(submission_id=uuid.uuid4().hex, institution_id=boss.institution_id, what="拉链头装配",
                      quantity=100, piece_rate=15, deadline=TODAY + dt.timedelta(days=30), town_id=town.id)  # fmt: skip
    order.workshop, order.status, order.taken_by_id = "示范村共富工坊", "taken", worker.id
    asked = ClassRequest(submission_id=uuid.uuid4().hex, institution_id=own.institution.id, town_id=town.id,
                         kind="skill", programme="电工", people=3, requested_by_id=admin.id)  # fmt: skip
    db.session.add_all([job, order, asked])
    db.session.flush()
    # 企业组班: one the bureau asked the own institution for, one whose class is open (with its link)
    opened = ClassRequest(submission_id=uuid.uuid4().hex, institution_id=own.institution.id, town_id=town.id,
                          kind="skill", programme="电工", people=3, requested_by_id=admin.id,
                          offering_id=empty.id)  # fmt: skip
    db.session.add(opened)
    db.session.flush()
    groups = []
    for request in (asked, opened):
        groups.append(GroupProposal(submission_id=uuid.uuid4().hex, institution_id=boss.institution_id, kind="skill",
                                    programme="电工", cert_level="中级", town_id=town.id, people=30, weekdays="6,7",
                                    times="morning", note="希望周末上课", contact_name="张伟",
                                    contact_phone="13957300001", class_request_id=request.id))  # fmt: skip
    db.session.add_all(groups)
    db.session.flush()
    # a neighbour has asked for pieces of the order (the leader's page shows the answer form); the
    # resident has not (their page shows the asking form)
    neighbour = Resident(phone="13800000077", name="徐丽萍", town_id=town.id, consent_method="online")
    db.session.add(neighbour)
    db.session.flush()
    ask = WorkRequest(submission_id=uuid.uuid4().hex, order_id=order.id, resident_id=neighbour.id, quantity=20)
    db.session.add(ask)
    told = JobPush(ref=uuid.uuid4().hex, resident_id=need.resident_id, job_id=job.id, reason="posted", texted=False)
    db.session.add(told)
    db.session.flush()
    item_ids = {
        "towns": town.id,
        "institutions": own.institution.id,
        "mentors": mentor.id,
        "policies": policy.id,
        "users": staff.id,
    }
    for kind, model in (("terms", ProgrammeTerm), ("cert_steps", CertificateStep), ("degree_steps", DegreeStep)):
        item_ids[kind] = db.session.scalar(db.select(model.id).limit(1))
    db.session.commit()
    gap = next((g for g in dashboard.gaps(TODAY) if g.town_id == far.id), None)
    assert gap is not None, "the world has a gap on the dashboard"
    people = (worker, staff, admin, need, worker_need, worker_signup, open_enrolment)
    world = World(own, other, *people, empty, callback, item_ids, gap, mentor_user, boss)
    world.item_ids.update(
        job_id=job.id, order_id=order.id, request_id=asked.id, group_id=groups[0].id, open_group_id=groups[1].id
    )
    world.job_push_ref = told.ref
    return world


def roles_of(app: Flask, endpoint: str) -> tuple[str, ...]:
    """Who opens this endpoint's pages in the walk."""
    declared = {str(getattr(r, "value", r)) for r in getattr(app.view_functions[endpoint], "roles", None) or ()}
    if declared:
        return tuple(r for r in ("worker", "institution", "admin", "mentor", "enterprise") if r in declared)
    if endpoint.startswith("elder."):
        return ("elder", "elder-big")
    if endpoint.startswith("me.") and endpoint != "me.index":
        return ("resident",)  # a resident's own data: /me asks anyone else to log in
    return ("public", "resident")


def _values(world: World, endpoint: str) -> list[dict]:
    """The URL values of an endpoint's pages in the world (one dict per page)."""
    own = world.own
    refs = {
        "needs.receipt": world.need.ref,
        "needs.stop": world.need.ref,
        "jobs.stop": world.job_push_ref,
        "worker.need_saved": world.worker_need.ref,
        "worker.need_plan": world.worker_need.ref,
        "worker.signup_saved": world.worker_signup.ref,
    }
    values = {
        "offering_id": own.offering.id,
        "programme_id": own.programme.id,
        "session_id": own.offering.sessions[0].id,
        "enrolment_id": own.enrolment.id,
        "outcome_id": own.outcome.id,
        "ref": refs.get(endpoint, world.open_enrolment.ref),  # a sign-up's receipt and cancel pages
        # for pages that other work may add: the resident with a plan and a class, in the worker's town
        "resident_id": world.need.resident_id,
        "need_id": world.need.id,
        "town_id": own.offering.town_id,
        "institution_id": own.institution.id,
        "callback_id": world.callback.id,
        **{k: world.item_ids[k] for k in ("job_id", "order_id", "request_id", "group_id")},
    }
    if endpoint in ("cases.case", "cases.reassign"):  # a need and a call-back of the worker's town
        need, callback = world.worker_need.id, world.callback.id
        return [{"about": "need", "source_id": need}, {"about": "callback", "source_id": callback}]
    if endpoint == "admin.dashboard_gap":
        return [{"town_id": world.gap.town_id, "kind": world.gap.kind, "about": world.gap.about}]
    return [values]


def walk(app: Flask, world: World) -> dict[str, list[str]]:
    """role → the URLs of its HTML pages (GET), in URL-map order, then EXTRA."""
    pages: dict[str, list[str]] = {role: [] for role in ROLES}
    unplaced = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint in NOT_HTML:
            continue
        if rule.endpoint not in app.view_functions:
            unplaced.append(rule.endpoint)
            continue
        for base in _values(world, rule.endpoint):
            variants = [dict(base)]
            for name, converter in rule._converters.items():
                if isinstance(converter, AnyConverter) and name not in base:
                    variants = [{**v, name: option} for v in variants for option in sorted(converter.items)]
            for values in variants:
                if "item_id" in rule.arguments:
                    values["item_id"] = world.item_ids[values["kind"]]
                values = {k: v for k, v in values.items() if k in rule.arguments or k == "about"}
                try:
                    with app.test_request_context():
                        url = url_for(rule.endpoint, **values)
                except BuildError:
                    unplaced.append(f"{rule.rule} (give its URL values in tests/routes_walk.py _values)")
                    continue
                for role in roles_of(app, rule.endpoint):
                    pages[role].append(url)
    assert not unplaced, f"GET routes the walk cannot place: {unplaced}"
    for role, urls in EXTRA.items():
        pages[role] += urls
    pages["elder-big"] += EXTRA["elder"]
    for role in ("institution", "admin"):
        pages[role] += [f"/admin/offerings/{world.empty.id}", f"/admin/offerings/{world.empty.id}/roster"]
    # a group class whose class is open: the class, its sign-ups and the link for the employees;
    # the bureau's request form filled in from a group class
    pages["enterprise"].append(f"/enterprise/groups/{world.item_ids['open_group_id']}")
    pages["admin"].append(f"/admin/requests/new?group={world.item_ids['group_id']}")
    return pages


def html_endpoints(app: Flask) -> set[str]:
    """Every GET endpoint not excluded: each must appear in the walk."""
    return {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and r.endpoint != "static" and r.endpoint not in NOT_HTML
    }


def client_for(app: Flask, world: World, role: str, locale: str = "zh_Hans_CN"):
    """A test client that is `role`, in `locale`, logged in through the real forms."""
    client = app.test_client()
    client.set_cookie(app.config["LOCALE_COOKIE"], locale)
    if role in ("elder", "elder-big"):
        client.set_cookie("view", "elder")
        if role == "elder-big":
            client.set_cookie("elder_size", "big")
    elif role == "resident":
        start = client.get("/me").get_data(as_text=True)
        sent = client.post("/me", data={**tokens(start), "step": "send", "phone": RESIDENT_PHONE})
        code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
        done = client.post("/me", data={**tokens(sent.get_data(as_text=True)), "step": "verify", "code": code})
        assert done.status_code == 303, "the resident is logged in at /me"
    elif role in ("worker", "institution", "admin", "mentor", "enterprise"):
        staff = {"worker": world.worker, "institution": world.staff, "admin": world.admin}
        user = {**staff, "mentor": world.mentor, "enterprise": world.enterprise}[role]
        log_in(client, user)
    return client


def cookies_of(app: Flask, client, url: str) -> list[dict]:
    """The client's cookies, for a browser context on the site at `url` (Playwright's add_cookies)."""
    names = (app.config["SESSION_COOKIE_NAME"], app.config["LOCALE_COOKIE"], "view", "elder_size")
    found = [client.get_cookie(name) for name in names]
    return [{"name": c.key, "value": c.value, "url": url} for c in found if c is not None]


def expected_status(url: str) -> int:
    return 404 if url in NOT_FOUND else 200
