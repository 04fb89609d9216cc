"""Personal plans at county scale: server time to build one resident's plan, beside rendering the catalogue.

    python bench/plan.py [--offerings 5000] [--residents 100000] [--plans 300] [--backend sqlite|postgresql|both]

Builds a scratch database with gen-scale, then in one process times `matching.plan()` for random
needs (what /needs/<ref> computes) and the full receipt page, beside a catalogue page rendered by
the same app in the same run. Prints median and p95 in ms and the ratio to the catalogue page.
Target (issue 3): plan median ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import environment, flask, scratch_database


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def measure(label: str, fn, rounds: int) -> dict:
    fn()  # warm up
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"what": label, "median": statistics.median(times), "p95": percentile(times, 0.95)}


def run(backend: str, offerings: int, residents: int, rounds: int) -> list[dict]:
    with scratch_database(backend) as url:
        env = environment(url)
        flask(env, "db", "upgrade")
        flask(
            env,
            "gen-scale",
            "--offerings",
            str(offerings),
            "--residents",
            str(residents),
            "--needs",
            str(residents // 4),
        )
        os.environ.update(
            DATABASE_URL=url, SECRET_KEY="bench-only", PUBLIC_URL="http://127.0.0.1", CACHE_TYPE="NullCache"
        )
        from sqlalchemy import select

        from app import create_app
        from app.clock import today
        from app.extensions import db
        from app.models import Need
        from app.services import matching

        app = create_app()
        client = app.test_client()
        with app.app_context():
            needs = list(db.session.scalars(select(Need).order_by(Need.id).limit(2000)))
            refs = [n.ref for n in needs]
            rng = random.Random(1)

            def one_plan():
                need = db.session.get(Need, rng.choice(needs).id)
                matching.plan(need, today())
                db.session.rollback()

            rows = [
                measure("catalogue page /courses?kind=skill", lambda: client.get("/courses?kind=skill"), rounds),
                measure("plan: matching.plan(need)", one_plan, rounds),
                measure("plan page /needs/<ref>", lambda: client.get(f"/needs/{rng.choice(refs)}"), rounds),
            ]
            db.engine.dispose()
    base = rows[0]["median"]
    for row in rows:
        row.update(backend=backend, ratio=row["median"] / base)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=5000)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<11}{'what':<40}{'median ms':>11}{'p95 ms':>9}{'× catalogue':>13}")
    for backend in backends:
        for row in run(backend, args.offerings, args.residents, args.plans):
            print(f"{row['backend']:<11}{row['what']:<40}{row['median']:>11.1f}{row['p95']:>9.1f}{row['ratio']:>13.2f}")


if __name__ == "__main__":
    main()
