"""What a worker's phone keeps for offline work: the service worker and the kept catalogue.

GET /sw.js: the service worker at the root scope. Its source is app/static/sw.js; this route fills in
its CONFIG line. The version is a hash of everything an offline copy depends on (the script, the
fingerprinted static files, the templates, a salt in the config), so a deploy that changes any of
them makes phones install a new copy.

GET /worker/catalogue: the classes a door-to-door visit needs, with what each costs after subsidies
and one sign-up form, as one page the service worker keeps. Offline it stands in for the catalogue,
its class pages and the worker's sign-up pages; outbox.js filters it on the phone.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, current_app, jsonify, make_response, request, url_for
from flask_login import current_user

from app.assets import SOURCE, asset_url, load_manifest
from app.auth import role_required
from app.clock import now, today
from app.forms.catalogue import CatalogueFilterForm
from app.forms.needs import AssistedNeedForm
from app.forms.rules import client_rules
from app.forms.signup import AssistedSignupForm
from app.htmx import render
from app.i18n import weekday_names
from app.services import catalogue, incentives, offline

bp = Blueprint("offline", __name__)
SCRIPT = SOURCE / "sw.js"
CONFIG_LINE = "var CONFIG = {};"
# Pages kept for offline use: only GETs of empty forms and lists without a resident's data.
PAGES = (
    "worker.index",
    "worker.new_need",
    "worker.outbox",
    "worker.policies",
    "worker.find_residents",
    "offline.kept_catalogue",
)
ASSETS = ("css/site.css", "js/htmx.min.js", "js/app.js", "js/outbox.js")


def _version(source: str) -> str:
    key = ("sw_version", current_app.config["OFFLINE_CACHE_SALT"])
    cached = current_app.extensions.get(key)
    if cached is None:
        digest = hashlib.sha256(source.encode())
        digest.update(json.dumps(load_manifest(current_app.config["STATIC_BUILD_DIR"]), sort_keys=True).encode())
        templates = Path(current_app.root_path) / "templates"
        for path in sorted(templates.rglob("*.html")):
            digest.update(path.read_bytes())
        digest.update(str(key[1]).encode())
        cached = current_app.extensions[key] = digest.hexdigest()[:12]
    return cached


def script_text() -> str:
    source = SCRIPT.read_text(encoding="utf-8")
    if CONFIG_LINE not in source:
        raise RuntimeError(f"{SCRIPT} lost its `{CONFIG_LINE}` line")
    config = {
        "version": _version(source),
        "pages": [url_for(endpoint) for endpoint in PAGES],
        "catalogue": url_for("courses.index"),  # offline, it and its class pages are the kept catalogue
        "kept": url_for("offline.kept_catalogue"),
        "assets": [asset_url(name) for name in ASSETS],
        "precacheHeader": "X-Xuehou-Precache",
        # Network first, but a kept copy after this many ms without an answer (lie-fi, a stalled link).
        "wait": int(current_app.config["OFFLINE_NETWORK_WAIT"] * 1000),
        "timeout": int(current_app.config["OUTBOX_TIMEOUT"] * 1000),
    }
    return source.replace(CONFIG_LINE, f"var CONFIG = {json.dumps(config, ensure_ascii=False)};", 1)


@bp.get("/sw.js")
def service_worker():
    response = make_response(script_text())
    response.mimetype = "text/javascript"
    # Checked on every visit: a new version reaches phones at once; WhiteNoise's year-long cache is for
    # the fingerprinted files only.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/worker/catalogue")
@role_required("worker")
def kept_catalogue():
    towns = catalogue.towns()
    form = CatalogueFilterForm(request.args, towns, weekday_names())
    for field in form:  # the page also holds the sign-up form, whose `town` has the plain id
        field.id = field.label.field_id = f"kept-{field.name}"
    offerings = offline.kept_offerings(
        current_user.town_id, today(), form.filters(), limit=current_app.config["OFFLINE_CATALOGUE_MAX"]
    )
    policies = incentives.active_policies()
    signup_form = AssistedSignupForm(towns=towns, worker_id=current_user.id)
    signup_form.town.data = str(current_user.town_id or "")
    response = render(
        "offline/catalogue.html",
        form=form,
        offerings=offerings,
        prices={o.id: offline.price(o, policies) for o in offerings},
        signup_form=signup_form,
        saved_at=now(),
        today=today(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/worker/rules.json")
@role_required("worker")
def rules():
    """What the phone checks before keeping a form, per `form[data-outbox]` (see app.forms.rules)."""
    towns = catalogue.towns()
    return jsonify(
        need=client_rules(AssistedNeedForm(towns, weekday_names())),
        signup=client_rules(AssistedSignupForm(towns=towns, worker_id=current_user.id)),
    )
