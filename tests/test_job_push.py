"""Job push (issue 17, by issue 16's contact rules): a job posted, reopened or wanting more people
reaches the residents who hold what it wants, near home, once; only those who agreed to be contacted
get a text, at most one push text (class or job) a week; the job text's stop link stops job texts;
the enterprise sees learners who newly qualify, masked; the 驾驶舱 counts match the records. And the
enterprise's learner list costs the same number of queries for 3 learners as for 30."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import event, func, select

from app import clock
from app.extensions import db
from app.models import ClaimStatus, Job, JobPush, LearningClaim, Message, NeedSource, Push, Resident
from app.services import job_push, jobs, learning, needs
from app.services.needs import Wish
from app.services.residents import Person
from tests.factories import TODAY, make_offering, make_town
from tests.helpers import log_in, make_user, tokens
from tests.test_earn import complete, electrician, enterprise_user, post_job, sign_in_me

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=clock.TZ)


@pytest.fixture(autouse=True)
def pinned_now(app):
    app.config["CLOCK_NOW"] = NOW
    yield
    app.config.pop("CLOCK_NOW", None)


def person(phone: str, town, name: str = "李建国", source=NeedSource.SELF) -> Resident:
    """A resident who told us what they want to learn (online: "…并由老师联系我" ticked)."""
    who = Person(name=name, phone=phone, town_id=town.id, age_band="40-49", education="高中", work="在职")
    wish = Wish(kind="skill", target="电工", weekdays=(6,))
    return needs.report(who, wish, submission_id=uuid.uuid4().hex, today=TODAY, source=source).resident


def holds(resident: Resident, level: str, accepted: bool = True) -> LearningClaim:
    """A declared 电工 certificate, checked by the bureau (or still waiting)."""
    claim = learning.declare(
        resident.id, uuid.uuid4().hex, "certificate", f"电工（{level}）", TODAY - dt.timedelta(days=200), None
    )
    if accepted:
        claim.status, claim.checked_at = ClaimStatus.ACCEPTED, clock.utcnow() - dt.timedelta(days=100)
    learning.forget()
    return claim


def job_texts(app) -> list[tuple[str, str]]:
    return [(phone, text) for phone, text in app.extensions["sms"].outbox if "有适合您的工作" in text]


@pytest.fixture
def county(app, vocabulary):
    town, far = make_town("当湖街道"), make_town("远方镇")  # no positions: not near each other
    online = person("13900000001", town)
    assisted = person("13900000002", town, name="王芳", source=NeedSource.ASSISTED)
    survey = person("13900000003", town, name="张三", source=NeedSource.SURVEY)  # no agreement to be texted
    junior = person("13900000004", town, name="赵四")  # holds 初级 only: one class away, not told
    elsewhere = person("13900000005", far, name="钱五")  # far from the job
    holds(online, "中级")
    holds(assisted, "高级")
    holds(survey, "中级")
    holds(junior, "初级")
    holds(elsewhere, "中级")
    boss = enterprise_user(town)
    db.session.commit()
    return {"town": town, "far": far, "boss": boss, "online": online, "assisted": assisted, "survey": survey,
            "junior": junior, "elsewhere": elsewhere}  # fmt: skip


def change(client, job_id: int, openings: int, status: str = "open"):
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    form = tokens(page.split('id="job-change"')[1])
    data = {**form, "openings": str(openings), "status": status}
    return client.post(f"/enterprise/jobs/{job_id}/change", data=data)


def test_a_job_matching_three_texts_exactly_the_two_who_may_be_contacted_once(app, client, county):
    log_in(client, county["boss"], path="/enterprise/login")
    job_id = post_job(client, county["town"], title="设备维修电工", level="中级")

    sent = job_texts(app)
    assert sorted(phone for phone, _ in sent) == ["13900000001", "13900000002"]
    db.session.rollback()
    told = db.session.scalars(select(JobPush).order_by(JobPush.resident_id)).all()
    ids = {county[k].id: k for k in ("online", "assisted", "survey")}
    assert [(ids[t.resident_id], t.texted, t.reason) for t in told] == [
        ("online", True, "posted"),
        ("assisted", True, "posted"),
        ("survey", False, "posted"),
    ], "the 初级 holder and the one far away are not told"
    phone, text = sent[0]
    mine = next(t for t in told if t.resident.phone == phone)
    assert "学后：有适合您的工作：设备维修电工（当湖街道），5000–7000元/月。" in text
    assert "/me/work" in text and f"/jobs/stop/{mine.ref}" in text

    # The one not texted sees it on their work page.
    sign_in_me(client, "13900000003")
    work = client.get("/me/work").get_data(as_text=True)
    assert f'data-told="{job_id}"' in work and "告诉过您的工作" in work

    # Raising the headcount, closing and reopening within the week: nobody is told twice.
    log_in(client, county["boss"], path="/enterprise/login")
    assert change(client, job_id, 5).status_code == 303
    assert change(client, job_id, 5, "closed").status_code == 303
    assert change(client, job_id, 5, "open").status_code == 303
    db.session.rollback()
    assert db.session.get(Job, job_id).openings == 5 and db.session.get(Job, job_id).status == "open"
    assert len(job_texts(app)) == 2 and db.session.scalar(select(func.count(JobPush.id))) == 3

    # A second job the same week: those texted this week are told on the work page only; the 初级
    # holder, who fits this one and had no text this week, is texted.
    second = post_job(client, county["town"], title="配电房值班电工", level="初级")
    db.session.rollback()
    again = {
        ids.get(t.resident_id, "junior"): t.texted
        for t in db.session.scalars(select(JobPush).where(JobPush.job_id == second))
    }
    assert again == {"online": False, "assisted": False, "survey": False, "junior": True}
    assert [phone for phone, text in job_texts(app) if "配电房值班电工" in text] == ["13900000004"]


def test_the_text_of_a_class_counts_towards_the_week_and_a_raised_headcount_tells_newcomers(app, client, county):
    log_in(client, county["boss"], path="/enterprise/login")
    job_id = post_job(client, county["town"], level="高级")  # only the 高级 holder fits
    assert [phone for phone, _ in job_texts(app)] == ["13900000002"]

    # Someone comes to hold 高级 and had a class text this week; another came to hold it too.
    late = person("13900000006", county["town"], name="孙六")
    holds(late, "高级")
    had_class_text = county["online"]
    holds(had_class_text, "高级")
    offering = make_offering(name="烘焙", kind="community", town=county["town"])
    need = had_class_text.needs[0]
    db.session.add(Push(resident_id=had_class_text.id, need_id=need.id, offering_id=offering.id, reason="published",
                        texted=True, created_at=clock.utcnow() - dt.timedelta(days=2)))  # fmt: skip
    db.session.commit()

    assert change(client, job_id, 6).status_code == 303  # wants more people: the newcomers are told
    db.session.rollback()
    told = {t.resident_id: t for t in db.session.scalars(select(JobPush).where(JobPush.job_id == job_id))}
    assert set(told) == {county["assisted"].id, late.id, had_class_text.id}
    assert told[late.id].texted and told[late.id].reason == "more"
    assert not told[had_class_text.id].texted, "a class text this week: the job is on the work page only"
    assert sorted(phone for phone, _ in job_texts(app)) == ["13900000002", "13900000006"]


def test_withdrawn_consent_at_me_data_means_no_text(app, client, county):
    start = client.get("/me").get_data(as_text=True)
    page = client.post("/me", data={**tokens(start), "step": "send", "phone": "13900000001"}).get_data(as_text=True)
    code = re.search(r"\d{6}", app.extensions["sms"].outbox[-1][1]).group(0)
    assert client.post("/me", data={**tokens(page), "step": "verify", "code": code}).status_code == 303
    page = client.get("/me/data").get_data(as_text=True)
    # contact withdrawn, profiling kept: the job is matched and shown, not texted
    assert client.post("/me/data/consent", data={**tokens(page), "profiling": "y"}).status_code == 303
    sign_in_me(client, "13900000002")
    page = client.get("/me/data").get_data(as_text=True)
    assert client.post("/me/data/consent", data={**tokens(page), "contact": "y"}).status_code == 303  # no profiling

    log_in(client, county["boss"], path="/enterprise/login")
    post_job(client, county["town"], level="中级")
    assert job_texts(app) == [], "one withdrew contact, the other profiling; the survey never agreed"
    db.session.rollback()
    told = {t.resident_id: t.texted for t in db.session.scalars(select(JobPush))}
    assert told == {county["online"].id: False, county["survey"].id: False}, "no profiling: not matched at all"


def test_the_stop_link_stops_job_texts_and_only_job_texts(app, client, county):
    log_in(client, county["boss"], path="/enterprise/login")
    post_job(client, county["town"], level="中级")
    db.session.rollback()
    mine = db.session.scalar(select(JobPush).where(JobPush.resident_id == county["online"].id))
    page = client.get(f"/jobs/stop/{mine.ref}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "不再发工作短信给我" in html and "新开课程的短信另有停止链接" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    db.session.rollback()
    assert db.session.get(Resident, county["online"].id).job_push_stopped_at is None, "opening it stops nothing"
    assert client.get("/jobs/stop/not-a-ref").status_code == 404
    form = tokens(html)
    first = client.post(f"/jobs/stop/{mine.ref}", data=form)
    again = client.post(f"/jobs/stop/{mine.ref}", data=form)
    assert first.status_code == again.status_code == 303
    assert "已停止" in client.get(f"/jobs/stop/{mine.ref}").get_data(as_text=True)
    db.session.rollback()
    stopped = db.session.get(Resident, county["online"].id)
    assert stopped.job_push_stopped_at is not None and stopped.push_stopped_at is None, "class texts go on"

    # Eight days later another job: the other who agreed is texted again; the one who stopped is not.
    app.config["CLOCK_NOW"] = NOW + dt.timedelta(days=8)
    log_in(client, county["boss"], path="/enterprise/login")
    second = post_job(client, county["town"], title="电工班长", level="中级")
    later = [phone for phone, text in job_texts(app) if "电工班长" in text]
    assert later == ["13900000002"]
    db.session.rollback()
    theirs = db.session.scalar(select(JobPush).where(JobPush.job_id == second, JobPush.resident_id == stopped.id))
    assert theirs is not None and not theirs.texted, "still on their work page"


def test_an_enterprise_sees_a_learner_who_newly_holds_the_level_masked_and_gets_no_text(app, client, county):
    town = county["town"]
    listed_before = county["assisted"]  # holds 高级 since before the job
    newcomer = person("13900000007", town, name="李小龙")
    claim = holds(newcomer, "中级", accepted=False)
    higher = holds(listed_before, "技师", accepted=False)  # a higher level, later: qualified long before
    for resident in (listed_before, newcomer):
        learning.set_listed(resident.id, True)
    admin = make_user("admin")
    db.session.commit()
    log_in(client, county["boss"], path="/enterprise/login")
    job_id = post_job(client, town, level="中级")
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    assert 'id="new-learners"' not in page, "nobody qualified after the job was posted"
    outbox = len(app.extensions["sms"].outbox)

    # Three days later the bureau accepts the newcomer's declared certificate.
    app.config["CLOCK_NOW"] = NOW + dt.timedelta(days=1)
    log_in(client, admin)
    listing = client.get("/admin/learning-claims").get_data(as_text=True)
    decided = client.post(f"/admin/learning-claims/{claim.id}", data={**tokens(listing), "decision": "accept"})
    assert decided.status_code == 303
    listing = client.get("/admin/learning-claims").get_data(as_text=True)
    decided = client.post(f"/admin/learning-claims/{higher.id}", data={**tokens(listing), "decision": "accept"})
    assert decided.status_code == 303
    app.config["CLOCK_NOW"] = NOW + dt.timedelta(days=4)
    log_in(client, county["boss"], path="/enterprise/login")
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    new = page.split('id="new-learners"')[1].split("</ul>")[0]
    assert f'data-new-learner="{newcomer.id}"' in new and "李**，电工中级，3天前" in new
    assert f'data-new-learner="{listed_before.id}"' not in new and "李小龙" not in page
    assert f'data-learner="{listed_before.id}"' in page, "shown, not new"
    assert len(app.extensions["sms"].outbox) == outbox, "no text to anyone: the enterprise sees it on its page"

    # A learner who completes a class at the level through Xuehou is new too.
    graduate = person("13900000008", town, name="周七")
    learning.set_listed(graduate.id, True)
    complete(graduate, electrician("中级", town, TODAY - dt.timedelta(days=60)), on=TODAY)
    db.session.commit()
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    assert "周*，电工中级，今天" in page.split('id="new-learners"')[1].split("</ul>")[0]


def test_the_dashboard_counts_who_was_told_texted_and_then_agreed_to_be_put_in_touch(app, client, county):
    survey = county["survey"]
    learning.set_listed(survey.id, True)
    db.session.commit()
    log_in(client, county["boss"], path="/enterprise/login")
    job_id = post_job(client, county["town"], level="中级")
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    form = page.split(f'data-learner="{survey.id}"')[1]
    assert client.post(f"/enterprise/jobs/{job_id}/contact/{survey.id}", data=tokens(form)).status_code == 303
    sign_in_me(client, survey.phone)
    work = client.get("/me/work").get_data(as_text=True)
    request_id = re.search(r'action="/me/contact/(\d+)"', work).group(1)
    answer = {**tokens(work.split(f"/me/contact/{request_id}")[1]), "answer": "accept"}
    assert client.post(f"/me/contact/{request_id}", data=answer).status_code == 303
    assert job_push.counts() == job_push.Counts(told=3, texted=2, in_touch=1)

    admin = make_user("admin")
    db.session.commit()
    log_in(client, admin)
    page = client.get("/admin/dashboard").get_data(as_text=True)
    figures = dict(re.findall(r'data-job-push="(\w+)">([\d,]+)<', page))
    assert figures == {"told": "3", "texted": "2", "in_touch": "1"}


def test_the_change_form_keeps_what_was_typed_and_says_what_to_fix(app, client, county):
    log_in(client, county["boss"], path="/enterprise/login")
    job_id = post_job(client, county["town"])
    response = change(client, job_id, 0)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="0"' in html and "错误" in html
    other = enterprise_user(county["town"], name="别家物流")
    db.session.commit()
    log_in(client, other, path="/enterprise/login")
    assert client.get(f"/enterprise/jobs/{job_id}").status_code == 404
    page = client.get("/enterprise/jobs/new").get_data(as_text=True)
    assert client.post(f"/enterprise/jobs/{job_id}/change", data={**tokens(page), "openings": "9"}).status_code == 404


# The learner list in a fixed number of queries ------------------------------------------------


def _listed_learners(town, offering, count: int, start: int) -> None:
    """Listed learners: a third completed the 中级 class through Xuehou, a third declared 高级 (checked),
    a third only 初级 (not shown)."""
    for n in range(count):
        resident = Resident(phone=f"137{start + n:08d}", name="吴一", town=town, consent_method="online")
        db.session.add(resident)
        db.session.flush()
        if n % 3 == 0:
            complete(resident, offering, on=TODAY - dt.timedelta(days=5))
        else:
            holds(resident, "高级" if n % 3 == 1 else "初级")
        learning.set_listed(resident.id, True)
    db.session.commit()


def _statements(call) -> tuple[int, object]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        learning.forget()
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen), result


def test_the_learner_list_takes_the_same_queries_for_3_and_30_learners_with_the_same_masking(app, county):
    """Before, each learner cost three queries (their outcomes, claims and classes)."""
    town = county["town"]
    job = jobs.post(county["boss"], uuid.uuid4().hex, jobs.JobInput("电工", town.id, 5000, 7000, ["day"], "电工",
                                                                    "中级", 1))  # fmt: skip
    offering = electrician("中级", town, TODAY - dt.timedelta(days=60))
    _listed_learners(town, offering, 3, 0)
    jobs.learners_for(job, TODAY)  # the vocabulary is read once per request: not what is counted here
    few_queries, few = _statements(lambda: jobs.learners_for(job, TODAY))
    _listed_learners(town, offering, 27, 100)
    db.session.refresh(job)  # the commit expired it: its reload is not the list's
    many_queries, many = _statements(lambda: jobs.learners_for(job, TODAY))
    assert len(few) == 2 and len(many) == 20, "the 初级 holders are left out"
    assert few_queries == many_queries <= 6, (few_queries, many_queries)
    # the same as the one-learner rule (request_contact's) says, masked
    for learner in many:
        holding = jobs._holding_for(job, learner.resident_id, TODAY)
        assert holding is not None and learner.holds == f"电工（{holding.level}）"
        assert learner.name == "吴*" and re.fullmatch(r"137\*{4}\d{4}", learner.phone)


def test_erasing_a_resident_told_of_a_job_by_text_removes_the_text_and_the_push(app, client, county):
    from app.services import privacy

    log_in(client, county["boss"], path="/enterprise/login")
    post_job(client, county["town"], level="中级")
    db.session.rollback()
    online = db.session.get(Resident, county["online"].id)
    told = db.session.scalar(select(JobPush).where(JobPush.resident_id == online.id))
    assert told.texted and told.message_id is not None
    ref = told.ref
    held = privacy.export(online)
    assert held["jobs_told_of"] == [
        {
            "job": told.job.title,
            "enterprise": told.job.institution.name,
            "texted": True,
            "at": held["jobs_told_of"][0]["at"],
        }
    ], "the download holds the jobs they were matched to and told of"
    offering = make_offering(name="烘焙", kind="community", town=county["town"])  # and a class push text
    text = Message(phone=online.phone, resident_id=online.id, kind="offer", template="new_class")
    db.session.add(text)
    db.session.flush()
    db.session.add(Push(resident_id=online.id, need_id=online.needs[0].id, offering_id=offering.id,
                        reason="published", texted=True, message_id=text.id))  # fmt: skip
    db.session.commit()
    request = privacy.request_deletion(online, uuid.uuid4().hex)
    privacy.confirm_deletion(request, make_user("admin"), clock.utcnow())
    db.session.commit()
    assert db.session.scalar(select(func.count(JobPush.id)).where(JobPush.resident_id == online.id)) == 0
    assert db.session.scalar(select(func.count(Push.id)).where(Push.resident_id == online.id)) == 0
    assert db.session.scalar(select(func.count(Message.id)).where(Message.resident_id == online.id)) == 0
    assert client.get(f"/jobs/stop/{ref}").status_code == 404, "the erased person's stop link is gone"


@pytest.mark.parametrize("ref", ["abc%00def", "x" * 40, "%E5%81%9C", "a b"])
def test_a_stop_link_mangled_in_the_text_is_not_found_on_either_database(app, client, ref):
    """A NUL or a character no ref has (pasted from a text) is 404, not a server error."""
    assert client.get(f"/jobs/stop/{ref}").status_code == 404
    assert client.get(f"/needs/{ref}/stop").status_code == 404
    assert client.get(f"/needs/{ref}").status_code == 404


@pytest.mark.parametrize("path", ["/jobs?town=%00", "/jobs?town=a%00b", "/elder/courses?town=%00"])
def test_a_town_with_a_nul_in_the_address_is_no_town_not_a_server_error(app, client, path):
    page = client.get(path)
    assert page.status_code == 200


def test_a_replayed_change_does_not_undo_a_later_one(app, client, county):
    """The enterprise wants 5 (sent A), then closes the job (sent B); A arriving again (a resend
    from the browser's history, a flaky network) changes nothing: the job stays closed."""
    log_in(client, county["boss"], path="/enterprise/login")
    job_id = post_job(client, county["town"], level="中级")
    page = client.get(f"/enterprise/jobs/{job_id}").get_data(as_text=True)
    first = {**tokens(page.split('id="job-change"')[1]), "openings": "5", "status": "open"}
    assert client.post(f"/enterprise/jobs/{job_id}/change", data=first).status_code == 303
    assert change(client, job_id, 5, "closed").status_code == 303
    assert client.post(f"/enterprise/jobs/{job_id}/change", data=first).status_code == 303
    db.session.rollback()
    job = db.session.get(Job, job_id)
    assert (job.openings, job.status) == (5, "closed")
