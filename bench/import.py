"""Importing a 5,000-row spreadsheet: time and peak memory, first import and a re-import that updates.

    python bench/import.py [--rows 5000] [--backend sqlite|postgresql|both] [--format xlsx|csv]

Writes a spreadsheet of `rows` classes in the import template's layout, then runs the importer (the
same service the upload form calls) against a scratch database with the demo county loaded. Time is
wall-clock for validate + write + commit; peak memory is Python's tracemalloc peak during the import
(measured in a separate run, since tracing slows it down) and the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import scratch_database


def spreadsheet(rows: int, fmt: str) -> bytes:
    from app.demo import TOWNS
    from app.services import exports, imports

    kinds = ["技能提升", "社区与兴趣", "学历提升"]
    body = []
    for n in range(rows):
        kind = kinds[(n % 200) % 3]  # one kind per programme name
        start = dt.date(2027, 3, 1) + dt.timedelta(days=n % 60)
        body.append(
            [
                f"IMP-{n:05d}",
                f"课程{n % 200}",
                kind,
                TOWNS[n % len(TOWNS)],
                f"教学点 {n % 50}",
                start.isoformat(),
                (start + dt.timedelta(weeks=12)).isoformat(),
                f"周{'一二三四五六日'[n % 7]}",
                "08:30",
                "11:30",
                str(20 + n % 20),
                "0",
                "",
                "否",
                "专科" if kind == "学历提升" else "",
                "",
                "",
                "",
                "电工" if kind == "技能提升" else "",
                "初级" if kind == "技能提升" else "",
                "",
            ]
        )
    return exports.table(imports.HEADERS, body, fmt)


def once(url: str, data: bytes, fmt: str, trace: bool, reimport: bool) -> dict:
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import load_demo
    from app.extensions import db
    from app.models import Institution
    from app.services import imports
    from app.services.staff import create_or_update_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context(), app.test_request_context():
        upgrade()
        load_demo(dt.date(2026, 12, 1))
        institution = db.session.scalars(db.select(Institution).order_by(Institution.id)).first()
        user, _ = create_or_update_user("institution", f"imp{time.time_ns()}", "bench-password", institution.id)
        db.session.commit()
        result = None
        figures = {}
        for label in ("first", "again") if reimport else ("first",):
            if trace:
                tracemalloc.start()
            start = time.perf_counter()
            result = imports.run(data, f"bench.{fmt}", institution, user, os.urandom(16).hex())
            db.session.commit()
            figures[f"{label}_s"] = round(time.perf_counter() - start, 2)
            if trace:
                figures[f"{label}_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
                tracemalloc.stop()
            assert result.ok, result.problems[:3]
            figures[f"{label}_created"], figures[f"{label}_updated"] = result.created, result.updated
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()
    os.environ.setdefault("XUEHOU_DEV", "1")
    data = spreadsheet(args.rows, args.format)
    results = []
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        with scratch_database(backend) as url:
            timed = once(url, data, args.format, trace=False, reimport=True)
        with scratch_database(backend) as url:
            traced = once(url, data, args.format, trace=True, reimport=False)
        row = {
            "backend": backend,
            "rows": args.rows,
            "format": args.format,
            "file_kb": len(data) // 1024,
            **timed,
            "first_peak_mb": traced["first_peak_mb"],
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        results.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"import-{args.format}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
