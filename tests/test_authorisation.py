"""Every /admin/ and /worker/ route, walked as anonymous, community worker, institution staff (own and
another institution's objects) and bureau admin. The walk enumerates the app's URL map: a new route
with no expectation here fails the test."""

from __future__ import annotations

import uuid

from flask import url_for
from werkzeug.routing.converters import AnyConverter

from app.extensions import db
from app.models import CallbackRequest, ClassRequest, DeletionRequest, Mentor, Need, Resident
from tests.admin_world import make_policy, make_side, make_town
from tests.helpers import log_in, make_user, tokens

PUBLIC, WORKER, STAFF, ADMIN, MENTOR = "public", "worker", "staff", "admin", "mentor"
CASES = "cases"  # the caseload: the town's workers, and the bureau as supervisor
WORKER_JSON = "worker-json"  # the outbox's JSON endpoint: 401/403 in JSON instead of a redirect
# endpoint → who may use it; "scoped" endpoints take an object that belongs to one institution.
EXPECTED = {
    "auth.login": PUBLIC,
    "auth.admin_login": PUBLIC,
    "worker.index": WORKER,
    "worker.callback_done": WORKER,
    "worker.find_residents": WORKER,
    "worker.new_need": WORKER,
    "worker.need_saved": WORKER,
    "worker.need_plan": WORKER,
    "worker.outbox": WORKER,
    "worker.policies": WORKER,
    "worker.signup": WORKER,
    "worker.signup_saved": WORKER,
    "worker.api_session": WORKER_JSON,
    "offline.kept_catalogue": WORKER,
    "offline.rules": WORKER,
    "admin.index": STAFF,
    "admin.programmes": STAFF,
    "admin.programme_new": STAFF,
    "admin.programme_edit": STAFF,
    "admin.offerings": STAFF,
    "admin.offering_new": STAFF,
    "admin.offering_edit": STAFF,
    "admin.offering": STAFF,
    "admin.offering_status": STAFF,
    "admin.session_change": STAFF,
    "admin.session_attendance": STAFF,
    "admin.roster": STAFF,
    "admin.roster_export": STAFF,
    "admin.export_enrolments": STAFF,
    "admin.import_offerings": STAFF,
    "admin.import_template": STAFF,
    "admin.complete": STAFF,
    "admin.outcome_list": STAFF,
    "admin.export_needs": ADMIN,
    "admin.outcome_paid": ADMIN,
    "admin.dashboard": ADMIN,
    "admin.dashboard_export": ADMIN,
    "admin.dashboard_gap": STAFF,
    "admin.resource_list": ADMIN,
    "admin.resource_new": ADMIN,
    "admin.resource_edit": ADMIN,
    "admin.audit": ADMIN,
    "admin.messages": ADMIN,
    "cases.index": CASES,
    "cases.case": CASES,
    "cases.reassign": ADMIN,
    "cases.deletions": CASES,
    "cases.confirm_deletion": CASES,
    "mentor.index": MENTOR,
    "mentor.resident": MENTOR,
    "admin.request_new": ADMIN,
    "admin.class_request_list": STAFF,
    "admin.class_request": STAFF,
    "admin.learning_claims": ADMIN,
    "admin.learning_claim_check": ADMIN,
    "workshop.index": WORKER,
    "workshop.take": WORKER,
    "workshop.order": WORKER,
    "workshop.hand_in": WORKER,
    "workshop.answer": WORKER,
}
# URL variables naming an institution's object
SCOPED = {"offering_id", "programme_id", "session_id", "enrolment_id", "request_id"}
REDIRECTS = {"admin.index"}  # a GET that sends staff on to their start page
# The walk's shared `ref` is a need's: a sign-up's saved page answers the right role with 404 for it;
# every need in the walk's town has a class near it, so no suggestion's page exists there.
NOT_FOUND_FOR_ALLOWED = {"worker.signup_saved", "admin.dashboard_gap"}  # the walk's town has no gap


def _variants(rule, ids: dict, side: str) -> list[dict]:
    """The URL values to try for a rule: every option of an `any` converter, ids of `side`'s objects."""
    variants = [{}]
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            options = sorted(converter.items)
        else:
            options = [ids[side].get(name, ids["shared"].get(name))]
        variants = [{**v, name: option} for v in variants for option in options]
    return variants


def test_every_staff_route_answers_each_role_as_expected(app):
    town = make_town()
    admin_user = make_user("admin")
    own, other = make_side(town, "本校", "13800000001", admin_user), make_side(town, "他校", "13800000002", admin_user)
    policy = make_policy()
    worker = make_user("worker", town=town)
    staff_user = make_user("institution", institution=own.institution)
    resident = db.session.get(Resident, own.enrolment.resident_id)
    need = Need(
        ref=uuid.uuid4().hex,
        submission_id=uuid.uuid4().hex,
        resident_id=resident.id,
        kind="skill",
        target="电工",
        town_id=town.id,
        entered_by_id=worker.id,
    )
    callback = CallbackRequest(submission_id=uuid.uuid4().hex, town_id=town.id, name="王芳", phone="13800000001")
    db.session.add_all([need, callback])
    # a resident of the town who asked for their data to be deleted (someone of their own: it is erased)
    leaving = Resident(phone="13700000009", name="赵六", town_id=town.id, consent_method="online")
    db.session.add(leaving)
    db.session.flush()
    deletion = DeletionRequest(submission_id=uuid.uuid4().hex, resident_id=leaving.id, town_id=town.id, kept="")
    db.session.add(deletion)
    asked = {  # the bureau's request to open a class, to each side's institution (issue 16)
        side: ClassRequest(
            submission_id=uuid.uuid4().hex,
            institution_id=s.institution.id,
            town_id=town.id,
            kind="skill",
            programme="电工",
            people=3,
            requested_by_id=admin_user.id,
        )
        for side, s in (("own", own), ("other", other))
    }
    db.session.add_all(asked.values())
    db.session.commit()
    # learn → earn: a declared certificate to check, and a 共富工坊 order of the walk's town with a portion
    import datetime as dt

    from app.models import LearningClaim, WorkOrder, WorkPortion, WorkRequest

    claim = LearningClaim(submission_id=uuid.uuid4().hex, resident_id=resident.id, kind="certificate", name="电工",
                          level="初级", earned_on=dt.date(2025, 1, 1))  # fmt: skip
    order = WorkOrder(submission_id=uuid.uuid4().hex, institution_id=own.institution.id, what="拉链头装配",
                      quantity=10, piece_rate=15, deadline=dt.date(2027, 1, 1), town_id=town.id)  # fmt: skip
    order.workshop = "示范村共富工坊"
    db.session.add_all([claim, order])
    db.session.flush()
    portion = WorkPortion(order_id=order.id, resident_id=resident.id, quantity=5)
    neighbour = Resident(phone="13800000077", name="徐丽萍", town_id=town.id, consent_method="online")
    db.session.add_all([portion, neighbour])
    db.session.flush()
    work_request = WorkRequest(submission_id=uuid.uuid4().hex, order_id=order.id, resident_id=neighbour.id, quantity=2)
    db.session.add(work_request)
    db.session.commit()

    def ids_of(side):
        return {
            "offering_id": side.offering.id,
            "programme_id": side.programme.id,
            "session_id": side.offering.sessions[0].id,
            "enrolment_id": side.enrolment.id,
            "outcome_id": side.outcome.id,
            "request_id": asked["own" if side is own else "other"].id,
        }

    ids = {
        "own": ids_of(own),
        "other": ids_of(other),
        "shared": {
            "ref": need.ref,
            "callback_id": callback.id,
            "town_id": town.id,
            "about": "need",
            "source_id": need.id,
            "deletion_id": deletion.id,
            "claim_id": claim.id,
            "order_id": order.id,
            "portion_id": portion.id,
            "work_request_id": work_request.id,
        },
    }
    mentor_user = make_user("mentor")
    mentor = Mentor(
        name="张老师", institution_id=own.institution.id, phone="13900000000", kinds="skill", user_id=mentor_user.id
    )
    db.session.add(mentor)
    db.session.flush()
    need.mentor_id = mentor.id  # the walk's resident is the mentor's
    ids["shared"]["resident_id"] = resident.id
    db.session.commit()
    # each of the bureau's lists: the id of a real row of its own
    item_ids = {
        "towns": town.id,
        "institutions": own.institution.id,
        "mentors": mentor.id,
        "policies": policy.id,
        "users": staff_user.id,
    }
    # the learning vocabulary's lists (issue 11): a row of each
    from app.models import CertificateStep, DegreeStep, ProgrammeTerm
    from app.services import vocabulary

    vocabulary.load_file()
    db.session.commit()
    for kind, model in (("terms", ProgrammeTerm), ("cert_steps", CertificateStep), ("degree_steps", DegreeStep)):
        item_ids[kind] = db.session.scalar(db.select(model.id).limit(1))

    clients = {"anonymous": app.test_client()}
    for role, user in (("worker", worker), ("institution", staff_user), ("admin", admin_user), ("mentor", mentor_user)):
        clients[role] = app.test_client()
        log_in(clients[role], user)

    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(("/admin/", "/worker/", "/mentor/"))]
    unchecked = sorted({r.endpoint for r in rules} - set(EXPECTED))
    assert not unchecked, f"routes with no expected answers: {unchecked}"
    roles = {
        WORKER: ("worker",),
        WORKER_JSON: ("worker",),
        CASES: ("worker", "admin"),
        MENTOR: ("mentor",),
        STAFF: ("institution", "admin"),
        ADMIN: ("admin",),
    }
    for endpoint, who in EXPECTED.items():
        declared = getattr(app.view_functions[endpoint], "roles", None)
        assert declared == roles.get(who), f"{endpoint} declares {declared}, the walk expects {who}"
    checked = 0
    failures = []
    for method in ("GET", "POST"):  # every GET first: the POSTs change things
        for rule in rules:
            if method not in rule.methods:
                continue
            who = EXPECTED[rule.endpoint]
            scoped = bool(SCOPED & set(rule.arguments))
            for role, client in clients.items():
                sides = ["own", "other"] if scoped else ["own"]
                for side in sides:
                    for values in _variants(rule, ids, side):
                        if "item_id" in values:
                            values["item_id"] = item_ids[values["kind"]]
                        with app.test_request_context():
                            url = url_for(rule.endpoint, **values)
                        if method == "GET":
                            response = client.get(url)
                        else:
                            page = client.get("/worker/login").get_data(as_text=True)
                            data = {**tokens(page), "submission_id": uuid.uuid4().hex, "status": "closed"}
                            response = client.post(url, data=data)
                        expected = _expected(who, role, side, method, rule.endpoint)
                        if response.status_code not in expected:
                            failures.append(f"{method} {url} as {role}: {response.status_code}, expected {expected}")
                        if response.status_code == 303 and 303 in expected and role == "anonymous" and who != PUBLIC:
                            assert response.headers["Location"].startswith("/worker/login?next=")
                        checked += 1
    assert not failures, "\n".join(failures)
    assert checked > 150


def _expected(who: str, role: str, side: str, method: str, endpoint: str) -> set[int]:
    allowed = (
        who == PUBLIC
        or role == who
        or (who == STAFF and role in ("institution", "admin"))
        or (who == CASES and role in ("worker", "admin"))
    )
    if who == WORKER_JSON:
        return {401} if role == "anonymous" else {200} if role == "worker" else {403}
    if who == PUBLIC:
        return {200} if method == "GET" else {422}
    if role == "anonymous":
        return {303}
    if not allowed:
        return {403}
    if role == "institution" and side == "other":
        return {404}
    if method == "POST":
        return {200, 303, 422}
    if endpoint in NOT_FOUND_FOR_ALLOWED:
        return {404}
    return {303} if endpoint in REDIRECTS else {200}
