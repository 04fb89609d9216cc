"""Class cards and the filter form are kept rendered per process (app/fragments.py), but a change to
what they show reaches the next reader at once: seats, a closed sign-up, a new name, the language."""

from __future__ import annotations

from app.extensions import db
from tests.factories import make_offering


def card_of(html: str, offering_id: int) -> str:
    card = html[html.index(f'data-offering-id="{offering_id}"') :]
    return card[: card.index("</li>")]


def test_a_card_shows_seats_and_a_closed_sign_up_as_they_are_now(client, app):
    offering = make_offering(seats=20, taken=0)
    db.session.commit()
    assert "还剩 20 个名额" in card_of(client.get("/courses").get_data(as_text=True), offering.id)

    offering.seats_taken = 19
    db.session.commit()
    assert "还剩 1 个名额" in card_of(client.get("/courses").get_data(as_text=True), offering.id)

    offering.status = "closed"
    offering.programme.name = "烘焙进阶"
    db.session.commit()
    card = card_of(client.get("/courses").get_data(as_text=True), offering.id)
    assert "已停止报名" in card and "烘焙进阶" in card


def test_a_card_follows_the_readers_language(client, app):
    offering = make_offering(seats=20, taken=0)
    db.session.commit()
    assert "还剩 20 个名额" in card_of(client.get("/courses").get_data(as_text=True), offering.id)
    client.set_cookie("lang", "en")
    english = card_of(client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True), offering.id)
    assert "还剩" not in english
