"""A search lists the classes that are what was asked for before those that only contain it: among
the classes taking sign-ups, a whole name first (characters, pinyin or initials), then a programme
the words mean (毛笔字 → 书法), then a part of a name; the start date only after that."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.extensions import db
from app.services import catalogue
from tests.factories import TODAY, make_institution, make_offering, make_programme, make_town


def offering_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-offering-id="(\d+)"', html)]


@pytest.fixture
def classes(app):
    """书法 starting last; 书法进阶 and 毛笔字入门 (names that only contain a word) starting sooner."""
    school = make_institution("当湖街道社区学校", town=make_town("当湖街道"))

    def offering(name: str, days: int, **fields):
        return make_offering(
            programme=make_programme(name, institution=school), start_date=TODAY + dt.timedelta(days=days), **fields
        )

    made = {
        "exact": offering("书法", 30),
        "partial": offering("书法进阶", 10),
        "word_partial": offering("毛笔字入门", 5),
    }
    db.session.commit()
    return made


@pytest.mark.parametrize("query", ["书法", "shufa", "sf"])
def test_a_whole_name_comes_before_a_name_that_contains_it(client, classes, query):
    html = client.get("/courses", query_string={"q": query}).get_data(as_text=True)
    assert offering_ids(html) == [classes["exact"].id, classes["partial"].id]


def test_without_a_search_the_soonest_class_comes_first(client, classes):
    html = client.get("/courses").get_data(as_text=True)
    assert offering_ids(html) == [classes["word_partial"].id, classes["partial"].id, classes["exact"].id]


def test_the_programme_a_word_means_comes_before_names_that_contain_the_word(client, vocabulary, classes):
    # 毛笔字 means 书法 (the vocabulary): 书法 itself, then what only contains 毛笔字 or 书法, soonest first.
    html = client.get("/courses", query_string={"q": "毛笔字"}).get_data(as_text=True)
    assert offering_ids(html) == [classes["exact"].id, classes["word_partial"].id, classes["partial"].id]


def test_classes_taking_sign_ups_still_come_first(client, app, classes):
    closed = make_offering(
        programme=classes["exact"].programme, start_date=TODAY + dt.timedelta(days=1), status="closed"
    )
    db.session.commit()
    html = client.get("/courses", query_string={"q": "书法"}).get_data(as_text=True)
    assert offering_ids(html) == [classes["exact"].id, classes["partial"].id, closed.id]


def test_a_class_renamed_is_found_by_its_new_name_only(client, app, classes):
    # The distinct keys a search scans are kept by the database itself, whichever way a key changes.
    offering = classes["partial"]
    offering.programme.name = "国画"
    catalogue.refresh_search_key(offering)
    db.session.commit()
    assert offering_ids(client.get("/courses?q=guohua").get_data(as_text=True)) == [offering.id]
    assert offering.id not in offering_ids(client.get("/courses?q=shufajinjie").get_data(as_text=True))
