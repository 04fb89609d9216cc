"""The Nu HTML Checker (vnu.jar, npm package vnu-jar) finds no error on any page the suite can render:
every GET page of every role (tests/routes_walk.py), in Chinese and English, and the error state of
every form (sent empty). The pages are written to build/html-check/pages (index.txt says which is
which) and checked in one run of the checker (one JVM start). SQLite only: the HTML does not depend
on the database."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import tokens
from tests.routes_walk import (
    LOCALES,
    ROLES,
    build_world,
    client_for,
    expected_status,
    html_endpoints,
    walk,
)

VNU = Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHECKED = Path(__file__).resolve().parents[1] / "build" / "html-check"  # kept for people to look at
PAGES = CHECKED / "pages"
ROW_WIDTH = "columns wide"  # "A table row was 6 columns wide, which is less than … (7)"
# Forms whose empty submission is not an error state: sending the cancel form cancels.
NO_ERROR_STATE = {"signup.cancel", "elder.cancel", "needs.stop", "jobs.stop"}  # sent empty, they do what they say


def filled_in(world) -> list[tuple[str, str, dict]]:
    """(role, form, answers) for the steps after a right answer: the worker's two read-backs for the
    resident to check, and /me's code step."""
    person = {"name": "陈秀英", "phone": "139 1234 5678", "town": str(world.own.offering.town_id)}
    consent = {"consent": "y", "consent_method": "口头同意", "step": "review"}
    need = {**person, **consent, "age_band": "60+", "education": "初中", "work": "退休", "kind": "community"}
    need |= {"target": "书法", "weekdays": ["2"], "times": ["morning"]}
    return [
        ("worker", "/worker/needs/new", need),
        ("worker", f"/worker/courses/{world.own.offering.id}/signup", {**person, **consent}),
        ("public", "/me", {"step": "send", "phone": "137 0000 0009"}),  # the same page for any number
    ]


@pytest.fixture
def checker():
    java = shutil.which("java")
    if not (java and VNU.exists()):
        missing = "the Nu HTML Checker needs java and vnu-jar (apt-get install default-jre-headless, npm ci)"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return [java, "-Xss1m", "-jar", str(VNU)]


def test_every_page_is_valid_html(app, database, checker):
    if database.backend != "sqlite":
        pytest.skip("the HTML is the same on every database: checked once, on SQLite")
    shutil.rmtree(CHECKED, ignore_errors=True)
    PAGES.mkdir(parents=True)
    started = time.monotonic()
    world = build_world()
    pages = walk(app, world)
    adapter = app.url_map.bind("localhost")
    walked = {adapter.match(url.split("?")[0])[0] for urls in pages.values() for url in urls}
    assert html_endpoints(app) <= walked, f"pages the walk misses: {html_endpoints(app) - walked}"

    files: dict[str, str] = {}  # file name → what it is (role, language, method and address)
    wrong = []

    def keep(what: str, response) -> None:
        if not response.content_type.startswith("text/html"):
            wrong.append(f"{what}: {response.content_type}, not HTML (list it in tests/routes_walk.py NOT_HTML)")
            return
        name = f"page-{len(files):04d}.html"  # index.txt says which page each file is
        (PAGES / name).write_bytes(response.get_data())
        files[name] = what

    for locale in LOCALES:
        clients, shown = {}, {}  # role → its logged-in client; (role, url) → the page its GET showed
        for role in ROLES:
            client = clients[role] = client_for(app, world, role, locale)
            for url in pages[role]:
                response = client.get(url)
                if response.status_code != expected_status(url):
                    wrong.append(f"GET {url} as {role}: {response.status_code}")
                    continue
                keep(f"{role} {locale} GET {url}", response)
                shown[role, url] = response.get_data(as_text=True)
        # Every form sent empty (after every GET: sending changes things): its error state. The form's
        # tokens come from the page the same client's GET showed (the CSRF token lasts the session).
        for role in ROLES:
            client = clients[role]
            for url in pages[role]:
                endpoint = adapter.match(url.split("?")[0])[0]
                rule = next(app.url_map.iter_rules(endpoint))
                if "POST" not in rule.methods or endpoint in NO_ERROR_STATE or url.endswith("999999"):
                    continue
                form = shown.get((role, url)) or client.get(url).get_data(as_text=True)
                assert 'name="csrf_token"' in form, f"{role} {url}: a page that takes a POST shows no form to send"
                response = client.post(url, data={**tokens(form), "submission_id": uuid.uuid4().hex})
                if response.status_code in (200, 422):
                    keep(f"{role} {locale} POST {url} ({response.status_code})", response)
        # The pages a right answer leads to that have no address of their own.
        for role, url, answers in filled_in(world):
            client = client_for(app, world, role, locale)
            form = client.get(url).get_data(as_text=True)
            response = client.post(url, data={**tokens(form), **answers})
            if response.status_code != 200:
                said = re.findall(r'class="error-message"[^>]*>([^<]+)', response.get_data(as_text=True))
                wrong.append(f"POST {url} as {role} with right answers: {response.status_code} {said}")
                continue
            keep(f"{role} {locale} POST {url} (filled in: {answers['step']})", response)
        client = app.test_client()
        client.set_cookie(app.config["LOCALE_COOKIE"], locale)
        login = client.get("/admin/login").get_data(as_text=True)
        wrong_password = {**tokens(login), "username": world.staff.username, "password": "not it"}
        keep(f"public {locale} POST /admin/login (wrong password)", client.post("/admin/login", data=wrong_password))
    assert not wrong, "\n".join(wrong)
    posts = sum(" POST " in what for what in files.values())
    assert posts >= 30, f"only {posts} form error states were rendered"

    (CHECKED / "index.txt").write_text("".join(f"{name}\t{what}\n" for name, what in files.items()), encoding="utf-8")
    rendered = time.monotonic()
    run = subprocess.run(
        [*checker, "--format", "json", str(PAGES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    # Every error, and the one warning the audit asked about: a table row narrower or wider than its table
    # (an empty list's one row must span every column).
    errors = [
        m for m in messages if m.get("type") in ("error", "non-document-error") or ROW_WIDTH in m.get("message", "")
    ]
    report = [
        f"{files.get(Path(m.get('url', '')).name, m.get('url'))} line {m.get('lastLine')}: {m['message']}"
        f"\n    {m.get('extract', '').strip()}"
        for m in errors
    ]
    print(f"\nrendered in {rendered - started:.0f} s, checked in {time.monotonic() - rendered:.0f} s")
    print(f"Nu HTML Checker: {len(files)} pages, {len(errors)} errors on {len({m.get('url') for m in errors})} pages")
    assert not errors, "\n".join(report)


# htmx's attributes, as the conversion (git log: "every hx-* attribute becomes data-hx-*") names them.
BARE_HX = re.compile(
    r"(?<![\w-])hx-(get|post|put|patch|delete|target|swap|trigger|push-url|replace-url|include|headers|select"
    r"|select-oob|swap-oob|vals|boost|indicator|confirm|prompt|sync|params|disabled-elt|disable|disinherit"
    r"|inherit|encoding|ext|history|history-elt|preserve|request|validate|on)(?![\w-])"
)


def test_templates_and_scripts_use_data_hx_attributes():
    """Fragments and pages the walk does not reach too: htmx reads data-hx-*, which validates."""
    app_dir = Path(__file__).resolve().parents[1] / "app"
    sources = [*app_dir.glob("templates/**/*.html"), *app_dir.glob("static/*.js"), *app_dir.glob("static/js/*.js")]
    sources = [p for p in sources if "htmx" not in p.name]
    found = [
        f"{path.relative_to(app_dir)}:{n}: {line.strip()[:100]}"
        for path in sources
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if BARE_HX.search(line)
    ]
    assert len(sources) > 50
    assert not found, "bare hx-* attributes (use data-hx-*):\n" + "\n".join(found)
