"""Static files: fingerprint our sources and the npm packages the pages need, then precompress.

Run `python -m app.assets` (the Makefile does) before the server starts: WhiteNoise scans the
build folder once at start-up and serves `name.<hash>.ext` with a one-year immutable cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

from flask import current_app

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "app" / "static"
# Logical name → file it comes from. Ours are committed; vendor files come from node_modules.
FILES = {
    "css/site.css": SOURCE / "css" / "site.css",
    "css/elder.css": SOURCE / "css" / "elder.css",
    "js/app.js": SOURCE / "js" / "app.js",
    "js/outbox.js": SOURCE / "js" / "outbox.js",  # worker pages only: offline outbox and sync
    "js/htmx.min.js": ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js",
}
MANIFEST = "manifest.json"
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


def build(out_dir: Path) -> dict[str, str]:
    """Copy each file to `name.<sha256[:12]>.ext` in `out_dir`, write the manifest, compress."""
    from whitenoise.compress import Compressor

    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    manifest = {}
    for logical, source in FILES.items():
        if not source.exists():
            raise SystemExit(f"missing {source}: run `npm ci` first")
        data = source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:12]
        stem, ext = logical.rsplit(".", 1)
        hashed = f"{stem}.{digest}.{ext}"
        target = out_dir / hashed
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        manifest[logical] = hashed
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    compressor = Compressor(use_gzip=True, use_brotli=True, quiet=True)
    for path in out_dir.rglob("*"):
        if path.is_file() and compressor.should_compress(path.name):
            list(compressor.compress(str(path)))
    return manifest


def load_manifest(out_dir: str) -> dict[str, str]:
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        raise RuntimeError(f"{path} is missing: build the static files with `python -m app.assets`")
    return json.loads(path.read_text())


def asset_url(name: str) -> str:
    """URL of the fingerprinted copy of a static file (a template global)."""
    manifest = current_app.extensions.get("asset_manifest")
    if manifest is None:
        manifest = current_app.extensions["asset_manifest"] = load_manifest(current_app.config["STATIC_BUILD_DIR"])
    return "/static/" + manifest[name]


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE / "dist"
    result = build(out)
    print(f"built {len(result)} static files into {out}")
