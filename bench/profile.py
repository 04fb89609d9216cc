"""Where a page's time goes: pyinstrument over many in-process requests of one page, without the cache.

    python bench/profile.py [--offerings 5000] [--backend sqlite|postgresql] [--requests 300] [PATH ...]

Builds a scratch catalogue (as bench/catalogue.py does), then requests each PATH (default: the
searches, a class page, the sign-up form, a receipt and the 长辈版 list) with Flask's test client
and prints pyinstrument's call tree (and the SQL statements one request runs). Needs the `bench`
extra (pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.catalogue import PAGES, SEARCHES, fixtures
from bench.common import environment, flask, gen_scale, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--offerings", type=int, default=5000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--queries", action="store_true", help="print the SQL of one request of each page")
    args = parser.parse_args()
    from pyinstrument import Profiler
    from sqlalchemy import event

    with scratch_database(args.backend) as url:
        flask(environment(url), "db", "upgrade")
        gen_scale(environment(url), offerings=args.offerings, residents=500, enrolments=200)
        values = fixtures(url)
        os.environ.update({**environment(url), "CACHE_TYPE": "NullCache"})
        from app import create_app
        from app.extensions import db

        app = create_app()
        client = app.test_client()
        paths = args.paths or [p.format(**values) for p in (*SEARCHES.values(), *PAGES.values())]
        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        for path in paths:
            headers = {"Accept-Encoding": "br, gzip"}
            for _ in range(20):
                assert client.get(path, headers=headers).status_code == 200, path
            statements.clear()
            client.get(path, headers=headers)
            count = len(statements)
            if args.queries:
                print("\n".join(f"  {s.splitlines()[0][:160]}" for s in statements))
            profiler = Profiler(interval=0.0002)
            started = time.perf_counter()
            profiler.start()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            profiler.stop()
            each = (time.perf_counter() - started) / args.requests * 1000
            print(f"==== {path}: {each:.2f} ms a request (profiled), {count} SQL statements")
            print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))))


if __name__ == "__main__":
    main()
