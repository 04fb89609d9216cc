"""An enterprise's job page (the opted-in learners who hold what the job wants), with 30 and with
3,000 learners listed, in the same run.

    python bench/learners.py [--small 30] [--large 3000] [--rounds 20] [--backend sqlite|postgresql|both]

Builds a scratch database (migrations), one enterprise with a 电工（中级）job, and listed learners with
a checked 电工 certificate (two in three at 中级 or above, shown; one in three 初级, left out). Then in
one process: the job page /enterprise/jobs/<id> as the logged-in enterprise, and jobs.learners_for
alone, with `small` and then `large` learners; beside them the per-learner way the list used to be
built (learning.holdings once per listed learner: three queries each), as the baseline. Prints the
median and p95 in ms, the SQL statements per call, and each row's ratio to the small page.
Issue 17: the statements stay the same whatever the number of learners. BENCH_SHOW_SQL=1 prints them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import environment, flask, scratch_database, tokens


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def measure(label: str, fn, rounds: int, engine) -> dict:
    from sqlalchemy import event

    fn()  # warm up
    statements = []
    listen = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    if os.environ.get("BENCH_SHOW_SQL"):
        print(label, *(s.split("\n")[0][:120] for s in statements), sep="\n  ")
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return {"what": label, "median": statistics.median(times), "p95": percentile(times, 0.95), "sql": len(statements)}


def add_learners(db, town_id: int, start: int, count: int) -> None:
    """`count` listed learners with a checked 电工 certificate, in bulk."""
    from sqlalchemy import insert

    from app.models import LearnerListing, LearningClaim, Resident

    now = dt.datetime.now(dt.UTC)
    people = [
        {"phone": f"135{start + n:08d}", "name": "吴建国", "town_id": town_id, "consent_method": "online"}
        for n in range(count)
    ]
    ids = db.session.scalars(insert(Resident).returning(Resident.id), people).all()
    levels = ("中级", "高级", "初级")
    claims = [
        dict(
            submission_id=uuid.uuid4().hex,
            resident_id=rid,
            kind="certificate",
            name="电工",
            level=levels[n % 3],
            earned_on=dt.date(2025, 6, 30),
            status="accepted",
            checked_at=now,
        )
        for n, rid in enumerate(ids)
    ]
    db.session.execute(insert(LearningClaim), claims)
    db.session.execute(insert(LearnerListing), [{"resident_id": rid} for rid in ids])
    db.session.commit()


def run(backend: str, small: int, large: int, rounds: int) -> list[dict]:
    with scratch_database(backend) as url:
        env = environment(url)
        flask(env, "db", "upgrade")
        os.environ.update(
            DATABASE_URL=url, SECRET_KEY="bench-only", PUBLIC_URL="http://127.0.0.1", CACHE_TYPE="NullCache"
        )
        from app import create_app
        from app.clock import today
        from app.extensions import db
        from app.models import Job, LearnerListing, Resident, Town
        from app.services import jobs, learning
        from app.services.staff import create_or_update_user

        app = create_app()
        client = app.test_client()
        rows = []
        with app.app_context():
            town = Town(name="当湖街道")
            db.session.add(town)
            db.session.flush()
            boss, _ = create_or_update_user("enterprise", "bench-firm", "bench password 1", town=str(town.id),
                                            org="平湖光电科技有限公司")  # fmt: skip
            job = Job(submission_id=uuid.uuid4().hex, institution_id=boss.institution_id, title="设备维修电工",
                      town_id=town.id, pay_min=5000, pay_max=7000, shifts="day", occupation="电工",
                      cert_level="中级")  # fmt: skip
            db.session.add(job)
            db.session.commit()
            job_id, town_id = job.id, town.id
            page = client.get("/enterprise/login").get_data(as_text=True)
            client.post("/enterprise/login", data={**tokens(page), "username": "bench-firm",
                                                   "password": "bench password 1"})  # fmt: skip

            def the_page():
                response = client.get(f"/enterprise/jobs/{job_id}")
                assert response.status_code == 200, response.status_code
                db.session.rollback()  # the next request loads its user and job afresh, as a server's would

            def the_list():
                learning.forget()
                jobs.learners_for(db.session.get(Job, job_id), today())
                db.session.rollback()

            def per_learner():  # the baseline: how the list was built before (a query set per learner)
                learning.forget()
                found = db.session.get(Job, job_id)
                listed = db.session.scalars(db.select(Resident).join(LearnerListing)).all()
                [jobs._holding_for(found, r.id, today()) for r in listed]
                db.session.rollback()

            added = 0
            for size in (small, large):
                add_learners(db, town_id, added, size - added)
                added = size
                rows += [
                    measure(f"job page, {size} learners", the_page, rounds, db.engine),
                    measure(f"learners_for, {size} learners", the_list, rounds, db.engine),
                    measure(f"per learner (before), {size}", per_learner, max(rounds // 4, 3), db.engine),
                ]
            db.engine.dispose()
    base = rows[0]["median"]
    for row in rows:
        row.update(backend=backend, ratio=row["median"] / base)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=30)
    parser.add_argument("--large", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<11}{'what':<34}{'median ms':>11}{'p95 ms':>9}{'SQL':>7}{'× small page':>14}")
    for backend in backends:
        for row in run(backend, args.small, args.large, args.rounds):
            print(
                f"{row['backend']:<11}{row['what']:<34}{row['median']:>11.1f}{row['p95']:>9.1f}{row['sql']:>7}"
                f"{row['ratio']:>14.2f}"
            )


if __name__ == "__main__":
    main()
