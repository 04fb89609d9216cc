"""The service worker at the root scope: GET /sw.js, with its cache version and the URLs it keeps.

The script's source is app/static/sw.js; this route fills in its CONFIG line. The version is a hash
of everything an offline copy depends on (the script, the fingerprinted static files, the templates,
a salt in the config), so a deploy that changes any of them makes phones install a new copy.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, current_app, make_response, url_for

from app.assets import SOURCE, asset_url, load_manifest

bp = Blueprint("offline", __name__)
SCRIPT = SOURCE / "sw.js"
CONFIG_LINE = "var CONFIG = {};"
# Pages kept for offline use: only GETs of empty forms and lists without a resident's data.
PAGES = ("worker.index", "worker.new_need", "worker.outbox", "worker.policies", "worker.find_residents")
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
        "catalogue": url_for("courses.index"),
        "classPages": current_app.config["OFFLINE_CLASS_PAGES"],
        "assets": [asset_url(name) for name in ASSETS],
        "precacheHeader": "X-Xuehou-Precache",
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
