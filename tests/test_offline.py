"""The offline outbox, server side: /sw.js, the outbox and policies pages, the session API, replays."""

from __future__ import annotations

import datetime as dt
import json
import re

import brotli
import pytest
from sqlalchemy import func, select

from app.assets import load_manifest
from app.clock import TZ
from app.extensions import db
from app.models import Need, Offering, Policy, Resident, ResidentConflict
from tests.conftest import BUILD_DIR
from tests.factories import TODAY, make_offering, make_town
from tests.helpers import log_in, make_user, tokens
from tests.test_needs import answers

WORKER_JS_BUDGET = 12 * 1024  # issue 13: fetch with time limits, checks on the phone, offline sign-ups


@pytest.fixture
def town(app):
    town = make_town("当湖街道")
    make_offering(name="电工（初级）", kind="skill")
    db.session.commit()
    return town


def sw_config(text: str) -> dict:
    return json.loads(re.search(r"var CONFIG = (\{.*?\});", text).group(1))


def test_service_worker_is_served_at_the_root_uncached_with_its_version_and_urls(client, app):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    config = sw_config(response.get_data(as_text=True))
    assert re.fullmatch(r"[0-9a-f]{12}", config["version"])
    assert {"/worker/", "/worker/needs/new", "/worker/outbox", "/worker/policies"} <= set(config["pages"])
    assert config["catalogue"] == "/courses"
    manifest = load_manifest(str(BUILD_DIR))
    assert "/static/" + manifest["js/outbox.js"] in config["assets"]
    assert all(re.search(r"\.[0-9a-f]{12}\.\w+$", url) for url in config["assets"]), "only fingerprinted files"


def test_a_new_salt_is_a_new_cache_version(client, app):
    before = sw_config(client.get("/sw.js").get_data(as_text=True))["version"]
    app.config["OFFLINE_CACHE_SALT"] = "deploy-2"
    after = sw_config(client.get("/sw.js").get_data(as_text=True))["version"]
    assert before != after


def test_worker_pages_load_the_outbox_and_show_its_count(client, login_as, town):
    login_as("worker", town=town)
    for path in ("/worker/", "/worker/needs/new", "/worker/outbox", "/worker/policies", "/worker/residents"):
        html = client.get(path).get_data(as_text=True)
        assert "/static/js/outbox." in html and 'data-outbox-count aria-live="polite"' in html, path
        assert 'data-count="待发送 {n} 条"' in html and "<script>" not in html and 'style="' not in html


def test_public_pages_do_not_load_the_outbox(client, app):
    assert "outbox" not in client.get("/courses").get_data(as_text=True)


def test_outbox_page_explains_itself_without_javascript(client, login_as, town):
    login_as("worker", town=town)
    response = client.get("/worker/outbox")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "<noscript>" in html and 'id="outbox-list"' in html and 'id="outbox-persist"' in html


def test_the_offline_copy_of_today_has_no_residents_in_it(client, login_as, town):
    login_as("worker", town=town)
    form = client.get("/worker/needs/new").get_data(as_text=True)
    data = {**tokens(form), **answers(), "consent_method": "口头同意", "step": "confirm"}
    client.post("/worker/needs/new", data=data)
    db.session.scalar(select(Need)).created_at = dt.datetime.combine(TODAY, dt.time(10), TZ)  # today, by the test clock
    db.session.commit()
    assert "王芳" in client.get("/worker/").get_data(as_text=True)
    kept = client.get("/worker/", headers={"X-Xuehou-Precache": "1"}).get_data(as_text=True)
    assert "王芳" not in kept and "没有网络时这里不显示今天登记的名单" in kept


def test_policies_page_lists_the_active_rules(client, login_as, town):
    db.session.add_all(
        [
            Policy(code="JN-5", name="初级证书补贴", kind="skill", level="初级", basis="fixed", value=800),
            Policy(code="XL-1", name="学历提升奖励", kind="degree", basis="tuition_percent", value=50, cap=3000),
            Policy(code="OLD", name="停用的政策", kind="skill", basis="fixed", value=1, active=False),
        ]
    )
    db.session.commit()
    login_as("worker", town=town)
    html = client.get("/worker/policies").get_data(as_text=True)
    assert "初级证书补贴" in html and "¥800" in html and "学费的 50%" in html and "最多 ¥3,000" in html
    assert "停用的政策" not in html


def test_session_api_gives_a_token_and_fresh_ids_to_workers_only(client, login_as, town):
    anonymous = client.get("/worker/api/session")
    assert anonymous.status_code == 401 and anonymous.json["logged_in"] is False, "JSON is never redirected"
    assert anonymous.json["login_url"].startswith("/worker/login?next=")
    login_as("institution")
    assert client.get("/worker/api/session").status_code == 403


def test_session_api_for_a_worker(client, login_as, town):
    login_as("worker", town=town)
    response = client.get("/worker/api/session")
    data = response.json
    assert response.status_code == 200 and data["logged_in"] is True and data["csrf_token"]
    assert len(set(data["submission_ids"])) == 20
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in data["submission_ids"])
    assert response.headers["Cache-Control"] == "no-store"


def replay(client, fields: dict):
    """What outbox.js does: a fresh token from the session API, then the stored fields, step=confirm."""
    token = client.get("/worker/api/session").json["csrf_token"]
    return client.post("/worker/needs/new", data={**fields, "csrf_token": token, "step": "confirm"})


def test_a_queued_form_replays_to_one_receipt_however_often_it_is_sent(client, login_as, town):
    login_as("worker", town=town)
    submission_id = client.get("/worker/api/session").json["submission_ids"][0]
    fields = {**answers(), "consent_method": "口头同意", "submission_id": submission_id}
    first = replay(client, fields)
    second = replay(client, fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] and "/saved" in first.headers["Location"]
    assert db.session.scalar(select(func.count(Need.id))) == 1


def test_a_replay_with_a_stale_token_is_refused_not_saved(client, login_as, town):
    login_as("worker", town=town)
    fields = {**answers(), "consent_method": "口头同意", "submission_id": "a" * 32, "step": "confirm"}
    response = client.post("/worker/needs/new", data={**fields, "csrf_token": "stale"})
    assert response.status_code == 400 and db.session.scalar(select(func.count(Need.id))) == 0


def test_a_replay_after_the_log_in_lapsed_goes_to_the_log_in_page_and_saves_nothing(app, client, login_as, town):
    login_as("worker", town=town)
    token = client.get("/worker/api/session").json["csrf_token"]
    client.post("/logout", data={"csrf_token": token, "submission_id": "b" * 32})
    # The session keeps a CSRF secret after log-out, as a lapsed log-in does: the form is valid, the user gone.
    token = tokens(client.get("/worker/login").get_data(as_text=True))["csrf_token"]
    fields = {**answers(), "consent_method": "口头同意", "submission_id": "c" * 32, "step": "confirm"}
    response = client.post("/worker/needs/new", data={**fields, "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith("/worker/login?next=")
    assert db.session.scalar(select(func.count(Need.id))) == 0


def test_a_refused_replay_says_why(client, login_as, town):
    login_as("worker", town=town)
    fields = {**answers(phone="1381234"), "consent_method": "口头同意", "submission_id": "d" * 32}
    response = replay(client, fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'class="error-summary"' in html and "请输入11位手机号码" in html


def test_two_workers_offline_with_the_same_phone_make_one_resident_two_needs_and_a_conflict(app, town):
    for name, username in (("王芳", "w1"), ("王芬", "w2")):
        client = app.test_client()
        make_user("worker", town, username=username)
        db.session.commit()
        log_in(client, username, path="/worker/login")
        submission_id = client.get("/worker/api/session").json["submission_ids"][0]
        fields = {**answers(name=name), "consent_method": "口头同意", "submission_id": submission_id}
        assert replay(client, fields).status_code == 303
    assert db.session.scalar(select(func.count(Resident.id))) == 1
    assert db.session.scalar(select(func.count(Need.id))) == 2
    conflict = db.session.scalar(select(ResidentConflict))
    assert (conflict.field, conflict.kept_value, conflict.new_value) == ("name", "王芳", "王芬")


def test_the_js_worker_pages_add_stays_under_12_kb_compressed(client, app):
    manifest = load_manifest(str(BUILD_DIR))
    outbox = (BUILD_DIR / (manifest["js/outbox.js"] + ".br")).stat().st_size
    service_worker = len(brotli.compress(client.get("/sw.js").get_data()))
    assert outbox + service_worker < WORKER_JS_BUDGET, (outbox, service_worker)


def test_every_worker_route_refuses_anonymous_users_and_other_roles(app, client, login_as, town):
    """A walk over the URL map, so a route added later (e.g. the worker sign-up) cannot be forgotten."""
    paths, roles = [], {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/worker/") or rule.endpoint == "auth.login" or "GET" not in rule.methods:
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule.replace("<ref>", "x" * 22)).replace("<about>", "need")
        paths.append(path)
        # who else may open it (the caseload: the bureau supervises workers)
        roles[path] = {str(r) for r in getattr(app.view_functions[rule.endpoint], "roles", None) or ()}
    assert {"/worker/", "/worker/outbox", "/worker/policies", "/worker/api/session"} <= set(paths)
    for path in paths:
        anonymous = client.get(path)
        assert anonymous.status_code in (303, 401), path
        if anonymous.status_code == 303:
            assert anonymous.headers["Location"].startswith("/worker/login?next="), path
    for role in ("institution", "admin"):
        login_as(role)
        for path in paths:
            if role not in roles[path]:
                assert client.get(path).status_code == 403, (role, path)


# ---- issue 13: who entered it, the rules the phone checks, the kept catalogue -----------------------
def worker_client(app, town, username: str):
    from app.services.staff import create_or_update_user

    user, _ = create_or_update_user("worker", username, "correct horse", None, str(town.id), name=username.upper())
    db.session.commit()
    client = app.test_client()
    page = client.get("/worker/login").get_data(as_text=True)
    client.post("/worker/login", data={**tokens(page), "username": username, "password": "correct horse"})
    return client, user


def test_the_forms_are_stamped_with_the_worker_and_another_workers_entry_is_refused_not_misfiled(app, town):
    zhang, a = worker_client(app, town, "zhang")
    li, b = worker_client(app, town, "li")
    form = zhang.get("/worker/needs/new").get_data(as_text=True)
    assert (
        f'name="worker" type="hidden" value="{a.id}"' in form or f'type="hidden" name="worker" value="{a.id}"' in form
    )
    signup_form = zhang.get(f"/worker/courses/{make_offering(town=town).id}/signup").get_data(as_text=True)
    assert f'value="{a.id}"' in signup_form
    # A's entry, kept on a shared phone, sent while B is logged in: refused, and nothing saved as B's.
    fields = {**answers(), "consent_method": "口头同意", "worker": str(a.id)}
    fields["submission_id"] = li.get("/worker/api/session").json["submission_ids"][0]
    refused = replay(li, fields)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and f'data-other-worker="{a.id}"' in html and "ZHANG" in html
    assert db.session.scalar(select(func.count(Need.id))) == 0
    # A sends it: saved as A's. A replay of it by B (even unstamped) is refused, never answered with A's.
    assert replay(zhang, fields).status_code == 303
    assert db.session.scalar(select(Need.entered_by_id)) == a.id
    unstamped = {k: v for k, v in fields.items() if k != "worker"}
    assert replay(li, unstamped).status_code == 409
    assert replay(zhang, unstamped).status_code == 303
    assert db.session.scalar(select(func.count(Need.id))) == 1
    # B's own entries go through as before, stamped or not (entries kept before the stamp existed).
    own = {**answers(phone="13912345678"), "consent_method": "口头同意", "submission_id": "e" * 32}
    assert replay(li, {**own, "worker": str(b.id)}).status_code == 303
    assert li.get("/worker/api/session").json["worker"] == b.id


def test_the_phone_gets_the_servers_own_rules_and_messages(app, client, login_as, town):
    from app.forms.base import IdCardField, NameField, PhoneField

    assert client.get("/worker/rules.json").status_code == 303  # workers only
    login_as("worker", town=town)
    rules = client.get("/worker/rules.json").json
    need, signup = rules["need"], rules["signup"]
    with app.test_request_context():
        assert need["phone"]["m"] == str(PhoneField.INVALID) and need["phone"]["r"] == str(PhoneField.REQUIRED)
        assert need["name"]["m"] == str(NameField.INVALID) and need["id_card"]["m"] == str(IdCardField.INVALID)
    assert "r" not in need["id_card"] and "town" not in signup  # optional there: not required on the phone
    assert signup["consent"]["r"] == "请先征得居民同意并勾选" == need["consent"]["r"]
    assert need["target"] == {"r": "请写下想学什么，例如“大专”“电工证”“烘焙”", "x": 60, "xm": "请少于60个字"}
    # Every message the phone may give is one the server gives for the same answers.
    form = client.get("/worker/needs/new").get_data(as_text=True)
    bad = {"name": "x1", "phone": "1381234", "id_card": "33048219900101123X", "target": "长" * 61}
    html = client.post("/worker/needs/new", data={**tokens(form), **bad, "step": "review"}).get_data(as_text=True)
    for name in ("name", "phone", "id_card", "age_band", "kind", "consent_method", "consent"):
        message = need[name].get("m") if name in bad else need[name]["r"]
        assert message in html, name
    assert need["target"]["xm"] in html
    # The patterns are the server's: what they accept after normalising is what the server accepts.
    import re as regex

    from app.services import identity

    for typed in ("１３８ 1234-5678", "+86 13812345678", "1381234", "23812345678"):
        value = identity.normalise_phone(typed)
        assert bool(regex.fullmatch(need["phone"]["p"], value)) == identity.is_mobile(value)


def test_id_card_check_keeps_its_bounds():
    from app.services.identity import ID_CHECK, ID_WEIGHTS, is_id_card

    def with_check(first17: str) -> str:
        return first17 + ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]

    assert is_id_card(with_check("33048219900101123"))
    assert is_id_card(with_check("33048221001231123")) and not is_id_card(with_check("33048221011231123"))
    assert not is_id_card(with_check("33048218991231123")) and not is_id_card(with_check("33048219901301123"))
    assert not is_id_card(with_check("33048219900132123")) and not is_id_card(with_check("33048219900100123"))
    assert not is_id_card(with_check("33048219900101123")[:-1] + "Y")


def test_the_kept_catalogue_holds_the_towns_open_classes_and_the_countys_skill_and_degree_classes(
    client, login_as, town
):
    from app.models import Programme

    other = make_town("乍浦镇")
    skill = make_offering(name="电工（初级）", kind="skill", town=other).id
    kept = {
        make_offering(name="书法", town=town).id,
        skill,
        make_offering(name="会计（专科）", kind="degree", town=other, fee=6000).id,
    }
    left_out = {
        make_offering(name="太极", town=other).id,  # another town's hobby class
        make_offering(name="烘焙", town=town, status="closed").id,
        make_offering(name="茶艺", town=town, deadline=TODAY - dt.timedelta(days=1)).id,
        make_offering(name="焊工", kind="skill", town=other, status="cancelled").id,
    }
    programme = db.session.scalar(select(Programme).where(Programme.name == "会计（专科）"))
    programme.degree_level, programme.tuition = "专科", 6000
    db.session.add(
        Policy(
            code="XL-1", name="学历提升奖励", kind="degree", level="专科", basis="tuition_percent", value=50, cap=3000
        )
    )
    db.session.commit()
    login_as("worker", town=town)
    response = client.get("/worker/catalogue")
    html = response.get_data(as_text=True)
    listed = {int(i) for i in re.findall(r'data-offering-id="(\d+)"', html)}
    assert listed >= kept and not listed & left_out, (listed, kept, left_out)
    assert response.headers["Cache-Control"] == "no-store" and "目录更新于" in html
    assert "费用 ¥6,000；学完可领补贴 ¥3,000，算下来自付约 ¥3,000" in html
    assert 'id="kept-town"' in html and html.count('id="town"') == 1, "the filter and the sign-up form apart"
    assert 'id="kept-signup" hidden' in html and 'data-outbox="signup"' in html
    filtered = client.get("/worker/catalogue?kind=skill").get_data(as_text=True)  # no JavaScript: the server filters
    skills = set(db.session.scalars(select(Offering.id).where(Offering.kind == "skill", Offering.status == "open")))
    assert skill in skills and {int(i) for i in re.findall(r'data-offering-id="(\d+)"', filtered)} == skills


def test_a_class_page_says_what_the_resident_pays_after_subsidies(client, town):
    from app.models import Programme

    offering = make_offering(name="会计（专科）", kind="degree", fee=6000)
    programme = db.session.get(Programme, offering.programme_id)
    programme.degree_level, programme.tuition = "专科", 6000
    db.session.add_all(
        [
            Policy(
                code="XL-1",
                name="奖励",
                kind="degree",
                level="专科",
                basis="tuition_percent",
                value=50,
                cap=3000,
                residence="户籍",
            ),
            Policy(
                code="XL-2",
                name="奖励",
                kind="degree",
                level="专科",
                basis="tuition_percent",
                value=30,
                residence="流动人口",
            ),
        ]
    )
    db.session.commit()
    html = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "本地户籍 ¥3,000（自付约 ¥3,000），外地户籍 ¥1,800（自付约 ¥4,200）" in html


def test_the_service_worker_keeps_the_catalogue_page_and_has_time_limits(client, app):
    config = sw_config(client.get("/sw.js").get_data(as_text=True))
    assert config["kept"] == "/worker/catalogue" and "/worker/catalogue" in config["pages"]
    assert config["wait"] == app.config["OFFLINE_NETWORK_WAIT"] * 1000
    assert config["timeout"] == app.config["OUTBOX_TIMEOUT"] * 1000


def test_a_waitlisted_assisted_sign_up_says_so_in_words(client, login_as, town):
    offering = make_offering(name="烘焙", seats=1, taken=1, town=town)
    login_as("worker", town=town)
    form = client.get(f"/worker/courses/{offering.id}/signup").get_data(as_text=True)
    data = {
        **tokens(form),
        "name": "张大爷",
        "phone": "13912345678",
        "town": str(town.id),
        "consent_method": "口头同意",
        "consent": "y",
        "step": "confirm",
    }
    saved = client.get(client.post(f"/worker/courses/{offering.id}/signup", data=data).headers["Location"])
    html = saved.get_data(as_text=True)
    assert 'data-status="waitlisted"' in html and "名额已满，已排队候补" in html
    assert f'data-saved-submission="{data["submission_id"]}"' in html
