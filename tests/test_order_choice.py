"""共富工坊: residents choosing orders themselves (they ask, the workshop leader confirms or declines),
a replayed "give out pieces" showing its first result, a done order going back to taken, and the
leader's suggestions in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import LearningClaim, OrderStatus, RequestStatus, WorkOrder, WorkPortion, WorkRequest
from app.services import learning, workshop
from tests.factories import TODAY, make_institution, make_town
from tests.helpers import log_in, make_user, tokens
from tests.test_earn import resident, sign_in_me


@pytest.fixture(autouse=True)
def pinned_today(app):
    app.config["CLOCK_TODAY"] = TODAY
    yield
    app.config.pop("CLOCK_TODAY", None)


@pytest.fixture
def village(app, vocabulary):
    town, other = make_town("当湖街道"), make_town("独山港镇")
    factory = make_institution(town=town, name="平湖新埭拉链服饰有限公司", type="enterprise")
    leader = make_user("worker", town=town)
    db.session.commit()
    return {"town": town, "other": other, "factory": factory, "leader": leader}


def sewer(phone: str, town, name: str = "张美华", level: str = "缝纫工五级"):
    """A resident whose 缝纫工 certificate staff have checked (五级 = 初级)."""
    person = resident(phone, town, name=name)
    claim = learning.declare(person.id, uuid.uuid4().hex, "certificate", level, TODAY - dt.timedelta(days=90), None)
    claim.status = "accepted"
    return person


def order_of(village, quantity=1000, taken=True, what="拉链头装配", **kw) -> WorkOrder:
    order = WorkOrder(
        submission_id=uuid.uuid4().hex,
        institution_id=village["factory"].id,
        what=what,
        quantity=quantity,
        piece_rate=kw.pop("piece_rate", 15),
        deadline=kw.pop("deadline", TODAY + dt.timedelta(days=14)),
        occupation=kw.pop("occupation", "缝纫工"),
        cert_level=kw.pop("cert_level", "初级"),
        town_id=kw.pop("town", village["town"]).id,
        workshop="当湖街道示范村共富工坊",
        status=OrderStatus.TAKEN if taken else OrderStatus.OPEN,
        taken_by_id=village["leader"].id if taken else None,
    )
    db.session.add(order)
    db.session.flush()
    return order


def ask(client, order_id: int, quantity: str, submission: dict | None = None):
    data = submission or tokens(client.get(f"/me/orders/{order_id}").get_data(as_text=True))
    return client.post(f"/me/orders/{order_id}", data={**data, "quantity": quantity}), data


def forged(client) -> dict:
    """A signed-in resident's valid tokens from another form (for a post no page offers)."""
    return tokens(client.get("/me/record/new").get_data(as_text=True))


def answer_request(client, order_id: int, request_id: int, choice: str, quantity: str | None = None):
    page = client.get(f"/worker/workshop/orders/{order_id}").get_data(as_text=True)
    form = page.split(f'id="request-{request_id}"')[1]
    data = dict(re.findall(r'<input[^>]*name="(r\d+-(?:csrf_token|submission_id))"[^>]*value="([^"]*)"', form)[:2])
    data[f"r{request_id}-answer"] = choice
    if quantity is not None:
        data[f"r{request_id}-quantity"] = quantity
    return client.post(f"/worker/workshop/requests/{request_id}", data=data), data


# 1. A resident chooses an order; the leader confirms or declines -------------------------------


def test_a_resident_sees_the_orders_they_may_ask_for_and_why_not_the_others(app, client, village):
    town = village["town"]
    person = sewer("13800000051", town)
    zips = order_of(village, quantity=1000, piece_rate=15)
    wiring = order_of(village, what="电工线束压接", occupation="电工", cert_level="中级")
    order_of(village, what="纸箱折叠", taken=False, occupation=None, cert_level=None)  # not taken: not listed
    order_of(village, what="过期的单", deadline=TODAY - dt.timedelta(days=1))  # deadline passed: not listed
    order_of(village, what="别镇的单", town=village["other"])  # another town's workshop: not listed
    db.session.commit()

    sign_in_me(client, person.phone)
    page = client.get("/me/orders").get_data(as_text=True)
    assert "纸箱折叠" not in page and "过期的单" not in page and "别镇的单" not in page
    zips_card = page.split(f'data-choice="{zips.id}"')[1].split("</li>")[0]
    assert 'data-open="yes"' in zips_card and "¥0.15" in zips_card and "还剩 1,000 件可领" in zips_card
    assert "最多可申请 1,000 件，做满可得 ¥150。" in zips_card
    wiring_card = page.split(f'data-choice="{wiring.id}"')[1].split("</li>")[0]
    assert 'data-open="no"' in wiring_card and "需要电工中级" in wiring_card
    assert f"/me/orders/{wiring.id}" not in wiring_card  # nothing to ask for there
    assert "申请领活</button>" not in client.get(f"/me/orders/{wiring.id}").get_data(as_text=True)
    # asking for it anyway is refused with the reason
    refused, _ = ask(client, wiring.id, "10", forged(client))
    assert refused.status_code == 422 and "需要电工中级" in refused.get_data(as_text=True)
    elsewhere = order_of(village, what="别镇的另一单", town=village["other"])
    db.session.commit()
    assert client.get(f"/me/orders/{elsewhere.id}").status_code == 404
    assert db.session.query(WorkRequest).count() == 0


def test_a_resident_asks_the_leader_confirms_an_adjusted_number_and_the_resident_sees_each_state(app, client, village):
    town, leader = village["town"], village["leader"]
    person = sewer("13800000052", town, name="陈月琴")
    order = order_of(village, quantity=1500, piece_rate=15)
    db.session.commit()
    sign_in_me(client, person.phone)

    # Errors keep what was typed and say what to fix.
    for typed, message in (
        ("很多", "请填一个整数"),
        ("0", "请填 1 到"),
        ("1600", "剩下可分的只有 1500 件"),
        ("1200", "每人每张单最多申请 1000 件"),
    ):
        refused, _ = ask(client, order.id, typed)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422 and message in html, (typed, html[:200])
        assert f'value="{typed}"' in html and html.count('aria-invalid="true"') == 1
        assert "<title>错误：" in html
    assert db.session.query(WorkRequest).count() == 0

    asked, submission = ask(client, order.id, "300")
    assert asked.status_code == 303
    again, _ = ask(client, order.id, "300", submission)  # the same submission sent twice
    assert again.status_code == 303 and again.headers["Location"] == asked.headers["Location"]
    assert db.session.query(WorkRequest).count() == 1
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'data-asked="300"' in page and "做完可得 ¥45。" in page and 'data-state="asked"' in page
    assert "等工坊负责人确认" in page
    work = client.get("/me/work").get_data(as_text=True)
    assert 'data-work-request="asked"' in work and "您申请了 300 件" in work
    # asked pieces are held: the list shows what is left for others
    assert "还剩 1,200 件可领" in client.get("/me/orders").get_data(as_text=True)
    assert "申请领活</button>" not in client.get(f"/me/orders/{order.id}").get_data(as_text=True)
    second, _ = ask(client, order.id, "10", {**submission, "submission_id": uuid.uuid4().hex})  # another form
    assert second.status_code == 422 and "您已经申请过这张单" in second.get_data(as_text=True)

    # The leader sees the request, and gives 250 (agreed with her) instead of 300.
    log_in(client, leader, path="/worker/login")
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    request = db.session.scalar(select(WorkRequest))
    assert f'id="request-{request.id}"' in page and "申请 300 件" in page and "居民申请待确认 300 件" in page
    too_many, _ = answer_request(client, order.id, request.id, "confirm", "1600")
    assert too_many.status_code == 422 and "剩下可分的只有 1500 件" in too_many.get_data(as_text=True)
    confirmed, data = answer_request(client, order.id, request.id, "confirm", "250")
    assert confirmed.status_code == 303
    assert "已确认：分给陈月琴 250 件" in client.get(confirmed.headers["Location"]).get_data(as_text=True)
    replayed = client.post(f"/worker/workshop/requests/{request.id}", data=data)  # sent twice
    assert replayed.status_code == 303 and "已确认：分给陈月琴 250 件" in client.get(
        replayed.headers["Location"]
    ).get_data(as_text=True)
    portion = db.session.scalar(select(WorkPortion))
    assert db.session.query(WorkPortion).count() == 1 and portion.quantity == 250
    db.session.refresh(request)
    assert request.status == RequestStatus.CONFIRMED and request.portion_id == portion.id

    # She sees the portion; once all 250 are handed in, that they are.
    sign_in_me(client, person.phone)
    page = client.get(f"/me/orders/{order.id}").get_data(as_text=True)
    assert 'data-state="portion"' in page and "您领了 250 件，已交回 0 件" in page
    assert "申请领活</button>" not in page
    portion.handed_in, portion.earned = 250, 250 * 15
    db.session.commit()
    work = client.get("/me/work").get_data(as_text=True)
    assert 'data-portion-state="handed-in"' in work and "¥37.50" in work


def test_a_declined_request_frees_its_pieces_and_the_resident_is_told(app, client, village):
    town, leader = village["town"], village["leader"]
    person = sewer("13800000053", town, name="沈秀英")
    other = sewer("13800000054", town, name="徐丽萍")
    order = order_of(village, quantity=100)
    db.session.commit()
    sign_in_me(client, person.phone)
    assert ask(client, order.id, "100")[0].status_code == 303
    sign_in_me(client, other.phone)
    page = client.get("/me/orders").get_data(as_text=True)
    assert 'data-state="none-left"' in page and "这张单已经分完了" in page
    refused, _ = ask(client, order.id, "1", forged(client))  # no form is shown: a hand-made post
    assert refused.status_code == 422 and "这张单已经分完了" in refused.get_data(as_text=True)

    log_in(client, leader, path="/worker/login")
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    assert 'id="assign"' not in page  # nothing left to give out while her 100 are held
    request = db.session.scalar(select(WorkRequest))
    declined, _ = answer_request(client, order.id, request.id, "decline")
    assert declined.status_code == 303
    assert db.session.query(WorkPortion).count() == 0
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    assert 'id="assign"' in page and "还剩 100 件可分" in page

    sign_in_me(client, person.phone)
    assert 'data-work-request="declined"' in client.get("/me/work").get_data(as_text=True)
    sign_in_me(client, other.phone)
    assert ask(client, order.id, "60")[0].status_code == 303


def test_the_leader_gives_out_pieces_around_what_residents_asked_for(app, client, village):
    town, leader = village["town"], village["leader"]
    asker, typed = sewer("13800000055", town, name="周一"), sewer("13800000056", town, name="吴二")
    order = order_of(village, quantity=500)
    db.session.commit()
    sign_in_me(client, asker.phone)
    assert ask(client, order.id, "300")[0].status_code == 303

    log_in(client, leader, path="/worker/login")

    def assign(phone, quantity):
        page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
        form = page.split('id="assign"')[1]
        return client.post(
            f"/worker/workshop/orders/{order.id}", data={**tokens(form), "phone": phone, "quantity": quantity}
        )

    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    suggested = page.split('id="assign"')[1].split("</ul>")[0]
    assert f"周一 · {asker.phone} · 缝纫工（初级） · 已申请，请在上面确认" in suggested
    assert f"吴二 · {typed.phone} · 缝纫工（初级）</li>" in suggested
    over = assign(typed.phone, "300")
    assert over.status_code == 422 and "剩下可分的只有 200 件" in over.get_data(as_text=True)
    own = assign(asker.phone, "100")
    assert own.status_code == 422 and "已经申请了这张单" in own.get_data(as_text=True)
    assert assign(typed.phone, "200").status_code == 303


# 2. A replayed "give out pieces" shows the first result ------------------------------------------


def test_a_replayed_give_out_shows_the_first_result_not_already_has_a_portion(app, client, village):
    town, leader = village["town"], village["leader"]
    person = sewer("13800000057", town, name="郑三")
    order = order_of(village, quantity=400)
    db.session.commit()
    log_in(client, leader, path="/worker/login")
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    data = {**tokens(page.split('id="assign"')[1]), "phone": person.phone, "quantity": "150"}

    first = client.post(f"/worker/workshop/orders/{order.id}", data=data)
    first_page = client.get(first.headers["Location"]).get_data(as_text=True)
    replay = client.post(f"/worker/workshop/orders/{order.id}", data=data)

    assert first.status_code == replay.status_code == 303
    assert replay.headers["Location"] == first.headers["Location"]
    replay_page = client.get(replay.headers["Location"]).get_data(as_text=True)
    assert "已分活。" in first_page and "已分活。" in replay_page
    assert "已经领了这张单" not in replay_page
    assert [(p.resident_id, p.quantity) for p in db.session.scalars(select(WorkPortion))] == [(person.id, 150)]
    # a new form for the same resident is still told they have a portion
    page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
    fresh = {**tokens(page.split('id="assign"')[1]), "phone": person.phone, "quantity": "10"}
    again = client.post(f"/worker/workshop/orders/{order.id}", data=fresh)
    assert again.status_code == 422 and "已经领了这张单" in again.get_data(as_text=True)


# 3. done → taken ---------------------------------------------------------------------------------


def test_a_done_order_goes_back_to_taken_when_a_correction_lowers_what_was_handed_in(app, client, village):
    town, leader = village["town"], village["leader"]
    people = [sewer("13800000058", town, name="甲"), sewer("13800000059", town, name="乙")]
    order = order_of(village, quantity=300)
    db.session.add_all(
        [
            WorkPortion(order=order, resident_id=people[0].id, quantity=200),
            WorkPortion(order=order, resident_id=people[1].id, quantity=100),
        ]
    )
    db.session.commit()
    log_in(client, leader, path="/worker/login")

    def hand_in(portion, pieces):
        page = client.get(f"/worker/workshop/orders/{order.id}").get_data(as_text=True)
        form = page.split(f'id="portion-{portion.id}"')[1]
        data = dict(re.findall(r'<input[^>]*name="(p\d+-(?:csrf_token|submission_id))"[^>]*value="([^"]*)"', form)[:2])
        data[f"p{portion.id}-handed_in"] = str(pieces)
        assert client.post(f"/worker/workshop/portions/{portion.id}", data=data).status_code == 303
        db.session.refresh(order)
        return order.status

    first, second = order.portions
    assert hand_in(first, 200) == "taken"
    assert hand_in(second, 100) == "done"
    assert "已交齐" in client.get("/worker/workshop/").get_data(as_text=True)
    assert hand_in(second, 90) == "taken"  # 10 pieces were miscounted: not all in after all
    assert "工坊分发中" in client.get("/worker/workshop/").get_data(as_text=True)
    assert (second.handed_in, second.earned) == (90, 90 * 15)
    assert hand_in(second, 100) == "done"


# 4. The leader's suggestions: a fixed number of queries -------------------------------------------


def _statements_of(call):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return result, len(seen)


@pytest.mark.parametrize("extra_levels", [("缝纫工四级", "缝纫工三级")])
def test_candidates_take_the_same_few_queries_for_3_or_30_residents_and_keep_their_order(app, village, extra_levels):
    town = village["town"]
    order = order_of(village, quantity=10_000)
    counts, found = {}, {}
    made = 0
    for size in (3, 30):
        while made < size:
            level = extra_levels[made % 2] if made % 3 == 0 else "缝纫工五级"
            sewer(f"1380001{made:04d}", town, name=f"居民{made}", level=level)
            made += 1
        unskilled = resident(f"1380002{size:04d}", town, name="没证的")  # a claim of another trade: not suggested
        claim = learning.declare(unskilled.id, uuid.uuid4().hex, "certificate", "电工四级", TODAY, None)
        claim.status = "accepted"
        db.session.commit()
        db.session.expire_all()
        learning.forget()
        found[size], counts[size] = _statements_of(lambda: workshop.candidates(order, TODAY))
    assert counts[3] == counts[30], counts
    assert len(found[3]) == 3 and len(found[30]) == 30
    # the same result as the one-by-one rule: each suggested resident holds enough, highest level first
    for c in found[30]:
        assert workshop.skilled_enough(order, c.resident.id, TODAY)
        assert c.level == learning.level_held(c.resident.id, "缝纫工", TODAY)
    ranks = [["初级", "中级", "高级"].index(c.level) for c in found[30]]
    assert ranks == sorted(ranks, reverse=True) and ranks[0] == 2
    same_level = [c.resident.id for c in found[30] if c.level == "初级"]
    assert same_level == sorted(same_level)  # ties keep the residents' order
    assert all(c.resident.name != "没证的" for c in found[30])
    # a pending claim does not count; one already given a portion is not suggested again
    first = found[30][0].resident
    db.session.add(WorkPortion(order=order, resident_id=first.id, quantity=10))
    pending = resident("13800030000", town, name="待核对")
    learning.declare(pending.id, uuid.uuid4().hex, "certificate", "缝纫工三级", TODAY, None)
    db.session.commit()
    db.session.expire_all()
    ids = {c.resident.id for c in workshop.candidates(order, TODAY)}
    assert first.id not in ids and pending.id not in ids
    assert db.session.scalar(select(LearningClaim.status).where(LearningClaim.resident_id == pending.id)) == "pending"


def test_the_asking_form_answers_htmx_with_its_fragment_and_a_boosted_request_with_the_page(app, client, village):
    person = sewer("13800000060", village["town"])
    order = order_of(village, quantity=50)
    db.session.commit()
    sign_in_me(client, person.phone)
    data = tokens(client.get(f"/me/orders/{order.id}").get_data(as_text=True))

    fragment = client.post(f"/me/orders/{order.id}", data={**data, "quantity": "80"}, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 422 and "<html" not in html and html.lstrip().startswith("<form")
    assert "剩下可分的只有 50 件" in html and 'value="80"' in html
    assert "HX-Request" in fragment.headers.get("Vary", "")
    boosted = client.get(f"/me/orders/{order.id}", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    sent = client.post(f"/me/orders/{order.id}", data={**data, "quantity": "50"}, headers={"HX-Request": "true"})
    assert sent.headers.get("HX-Redirect", "").endswith(f"/me/orders/{order.id}?asked=1")


def test_a_request_erased_while_the_leader_answers_it_is_gone_not_a_server_error(app, village):
    """The resident's data is erased (their unanswered requests go) after the leader's confirm
    loaded the request and before it locked the order: the answer says it is gone."""
    from sqlalchemy import delete

    person = sewer("13800000091", village["town"])
    order = order_of(village)
    asked = workshop.ask(order, person, 50, uuid.uuid4().hex, TODAY)
    db.session.commit()
    db.session.execute(delete(WorkRequest).where(WorkRequest.id == asked.id))  # as privacy.confirm_deletion does
    with pytest.raises(workshop.WorkError) as error:
        workshop.answer(asked, village["leader"], True, 50, uuid.uuid4().hex)
    assert error.value.code == "gone"
    assert db.session.scalar(select(WorkPortion.id)) is None, "no portion for a request that is gone"


def test_a_resident_who_moved_away_before_the_leader_confirms_gets_no_portion(app, client, village):
    """They asked, then corrected their town at /me/data to another one: the leader's confirm says
    they no longer live here; declining still works."""
    person = sewer("13800000092", village["town"])
    order = order_of(village)
    asked = workshop.ask(order, person, 50, uuid.uuid4().hex, TODAY)
    person.town_id = village["other"].id
    db.session.commit()
    log_in(client, village["leader"], path="/worker/login")
    response, _ = answer_request(client, order.id, asked.id, "confirm", "50")
    assert response.status_code == 422 and "这位居民不住在本镇/街道" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(WorkPortion.id)) is None
    response, _ = answer_request(client, order.id, asked.id, "decline")
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(WorkRequest, asked.id).status == RequestStatus.DECLINED
