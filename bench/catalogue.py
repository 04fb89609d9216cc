"""Catalogue under load: a filtered search and a class page against a trivial route, same server, same run.

    python bench/catalogue.py [--offerings 5000] [--seconds 10] [--backend sqlite|postgresql|both]

Serves the app with gunicorn (2 workers) over a generated catalogue and measures each route with
wrk (16 connections, browser Accept-Encoding). Prints requests/s, p50/p95 and the ratio of each
route's throughput to the trivial route (/healthz: a request that touches the database with SELECT 1).
Target (issue 2): search ≥ 0.4 × trivial throughput, p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import environment, flask, gunicorn, scratch_database, wrk

ROUTES = {
    "trivial /healthz": "/healthz",
    "search q=shufa&kind=community": "/courses?q=shufa&kind=community",
    "search q=电工&weekday=2": "/courses?q=%E7%94%B5%E5%B7%A5&weekday=2",
    "catalogue /courses": "/courses",
    "class page /courses/100": "/courses/100",
}


def run(backend: str, offerings: int, seconds: int) -> list[dict]:
    """Each route with the micro-cache on (as deployed), then the searches with it off."""
    rows = []
    with scratch_database(backend) as url:
        for cache in ("SimpleCache", "NullCache"):
            env = {**environment(url), "CACHE_TYPE": cache}
            if cache == "SimpleCache":
                flask(env, "db", "upgrade")
                flask(env, "gen-scale", "--offerings", str(offerings))
            with gunicorn(env) as base:
                wrk(base + "/courses", seconds=2)  # warm up both workers
                for name, path in ROUTES.items():
                    if cache == "NullCache" and not name.startswith(("trivial", "search")):
                        continue
                    result = wrk(base + path, seconds=seconds)
                    label = name if cache == "SimpleCache" else f"{name} (no cache)"
                    rows.append({"backend": backend, "route": label, "cache": cache, **result})
    for row in rows:
        baseline = next(r for r in rows if r["cache"] == row["cache"] and r["route"].startswith("trivial"))
        row["ratio"] = round(row["rps"] / baseline["rps"], 2)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<11}{'route':<46}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'ratio':>7}{'errors':>8}")
    results = []
    for backend in backends:
        for row in run(backend, args.offerings, args.seconds):
            results.append(row)
            print(
                f"{row['backend']:<11}{row['route']:<46}{row['rps']:>9.0f}{row['p50_us'] / 1000:>9.1f}"
                f"{row['p95_us'] / 1000:>9.1f}{row['ratio']:>7.2f}{row['errors'] + row['non2xx']:>8}"
            )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "catalogue.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
