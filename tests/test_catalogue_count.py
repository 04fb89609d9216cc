"""A broad search counts its classes only so far (catalogue.COUNT_CAP): the page says "more than",
the pager still goes on to every class, and the last pages give the exact count."""

from __future__ import annotations

import datetime as dt
import re

from app.extensions import db
from app.services import catalogue
from tests.factories import TODAY, make_offering


def offering_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-offering-id="(\d+)"', html)]


def test_past_the_cap_the_count_says_more_and_every_class_is_still_reached(client, app, monkeypatch):
    made = [make_offering(start_date=TODAY + dt.timedelta(days=d)) for d in (3, 1, 2)]
    late = make_offering(start_date=TODAY, deadline=TODAY - dt.timedelta(days=1))  # no sign-ups: last
    db.session.commit()
    monkeypatch.setattr(catalogue, "COUNT_CAP", 2)
    app.config["CATALOGUE_PAGE_SIZE"] = 1
    pages = [client.get("/courses", query_string={"page": n}).get_data(as_text=True) for n in (1, 2, 3, 4)]
    # The soonest class taking sign-ups first, then by start, the one past its deadline last.
    assert [offering_ids(html) for html in pages] == [[made[1].id], [made[2].id], [made[0].id], [late.id]]
    assert "找到 2 多门课程 · 第 1 页" in pages[0] and 'rel="next"' in pages[0]
    assert "找到 3 多门课程 · 第 3 页" in pages[2] and 'rel="next"' in pages[2]
    # The last page counts them all (as far as this page), says so, and offers no next page.
    assert "找到 4 门课程 · 第 4 / 4 页" in pages[3] and 'rel="next"' not in pages[3]


def test_a_search_past_the_cap_keeps_its_ranking_across_pages(client, app, monkeypatch):
    partial = [make_offering(name="书法进阶", start_date=TODAY + dt.timedelta(days=d)) for d in (1, 2)]
    exact = make_offering(name="书法", start_date=TODAY + dt.timedelta(days=9))
    db.session.commit()
    monkeypatch.setattr(catalogue, "COUNT_CAP", 1)
    app.config["CATALOGUE_PAGE_SIZE"] = 1
    ids = [
        offering_ids(client.get("/courses", query_string={"q": "shufa", "page": n}).get_data(as_text=True))
        for n in (1, 2, 3)
    ]
    assert ids == [[exact.id], [partial[0].id], [partial[1].id]]
