"""Chinese by default, English by a visible switch or the browser; Babel formats for the locale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.i18n import long_date, money
from tests.factories import make_offering

ROOT = Path(__file__).resolve().parent.parent
EN_PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_chinese_is_the_default(client, app):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans-CN">' in html and "您想学什么？" in html


def test_browser_language_english(client, app):
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "What would you like to learn?" in html


def test_switch_is_remembered_in_a_cookie_and_beats_the_browser(client, app):
    response = client.get("/lang/en?next=/courses?kind=skill")
    assert response.status_code == 303 and response.headers["Location"] == "/courses?kind=skill"
    html = client.get("/courses", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Find a class" in html and 'href="/lang/zh_Hans_CN?next=/courses"' in html
    client.get("/lang/zh_Hans_CN")
    assert "找课程" in client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "evil"])
def test_switch_never_redirects_off_site(client, app, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_ignored(client, app):
    response = client.get("/lang/xx")
    assert "Set-Cookie" not in response.headers


def test_formats_follow_the_locale(client, app):
    offering = make_offering(fee=3200, weekday=7, start="08:00", end="11:30", start_date=dt.date(2026, 12, 6))
    from app.extensions import db

    db.session.commit()
    zh = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "¥3,200" in zh and "2026年12月6日星期日" in zh and "每星期日 08:00–11:30" in zh
    client.get("/lang/en")
    en = client.get(f"/courses/{offering.id}").get_data(as_text=True)
    assert "¥3,200" in en and "CN¥" not in en and "Sunday, December 6, 2026" in en and "Every Sunday 08:00–11:30" in en


def test_formatters_directly(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert money(3200) == "¥3,200"
        assert long_date(dt.date(2026, 12, 6)) == "2026年12月6日星期日"


def test_english_catalogue_is_complete_and_current():
    """Every string in the code is in the English catalogue, translated, and none is fuzzy."""
    with EN_PO.open("rb") as f:
        catalogue = read_po(f, locale="en")
    method_map = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
    options = {"app/templates/**.html": {"extensions": "jinja2.ext.do"}}
    in_code = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        options_map=options,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None},
    ):
        in_code.add(message[0] if isinstance(message, tuple) else message)
    problems = []
    for m in catalogue:
        if not m.id:
            continue
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {key}")
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id}
    problems += [f"missing from en catalogue (run make extract): {s}" for s in sorted(in_code - translated)]
    assert not problems, "\n".join(problems)
