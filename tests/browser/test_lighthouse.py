"""Lighthouse (mobile, simulated slow 4G) on the 长辈版 and the main resident pages.

STANDARDS.md: accessibility 100, best practices 100, performance ≥ 95. Lighthouse 12 comes from
the npm registry with the project's other front-end packages (`npm ci`) and drives Debian's Chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from app.extensions import db
from tests.browser.conftest import CHROMIUM
from tests.factories import make_institution, make_offering, make_programme, make_town

pytestmark = pytest.mark.browser
LIGHTHOUSE = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "lighthouse"
FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


@pytest.fixture
def calligraphy(app):
    town = make_town("当湖街道")
    school = make_institution("当湖街道社区学校", town=town)
    offering = make_offering(programme=make_programme("书法", institution=school), weekday=3, senior=True)
    db.session.commit()
    return offering


def lighthouse(url: str, out: Path) -> dict:
    if not LIGHTHOUSE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Lighthouse is missing: run npm ci")
        pytest.skip("Lighthouse is not installed (npm ci)")
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={FLAGS}",
    ]
    # Lighthouse starts a Chromium of its own each run; on a busy 2-core machine a start can fail
    # (it exits 1 before measuring anything), so one retry, and the reason if it fails twice.
    for _attempt in range(2):
        result = subprocess.run(
            command, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=180, capture_output=True, text=True
        )
        if result.returncode == 0:
            break
    else:
        pytest.fail(f"Lighthouse failed twice: {result.stderr[-2000:]}")
    report = json.loads(out.read_text())
    return {name: category["score"] for name, category in report["categories"].items()}


@pytest.mark.parametrize(
    "path", ["/elder/", "/elder/courses?day=week", "/elder/courses/{id}", "/elder/courses/{id}/signup", "/courses"]
)
def test_lighthouse_scores(live_server, calligraphy, tmp_path, path):
    """Performance is the page's own work timed on this machine (simulated throttling scales what it
    measures): beside the suite's other xdist worker one run can be starved of CPU. So up to three
    runs, and the first that reaches 95 counts; a page that is really slow fails all three."""
    for run in range(3):
        scores = lighthouse(live_server.url + path.format(id=calligraphy.id), tmp_path / f"report-{run}.json")
        print(f"\nLighthouse {path} (run {run + 1}): {scores}")
        if scores["performance"] >= 0.95:
            break
    assert scores["accessibility"] == 1 and scores["best-practices"] == 1, scores
    assert scores["performance"] >= 0.95, scores
