"""Catalogue under load: searches, a class page, the sign-up form, a receipt and the 长辈版 list against a
trivial route, same server, same run; then the searches again at 20,000 classes.

    python bench/catalogue.py [--offerings 5000] [--large 20000] [--seconds 10] [--backend sqlite|postgresql|both]

Serves the app with gunicorn (2 workers) over a generated catalogue and measures each route with
wrk (16 connections, browser Accept-Encoding). Prints requests/s, p50/p95 and the ratio of each
route's throughput to the trivial route (/healthz: a request that touches the database with SELECT 1,
measured just before each route: the machine's load changes from minute to minute),
first with the micro-cache on (as deployed), then with it off (what a new search or any class page
costs); then the catalogue grows to --large classes and the searches are measured again, without
the cache: a search's cost (the trivial route's throughput over its own) at the large size over its
cost at the first size.
Targets (issue 18): every page ≥ 0.4 × trivial throughput with p95 ≤ 50 ms, without the cache; a
search's cost at 20,000 classes ≤ 1.3 × its cost at 5,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import environment, flask, gen_scale, gunicorn, scratch_database, wrk

TRIVIAL = {"trivial /healthz": "/healthz"}
SEARCHES = {
    "search q=shufa&kind=community": "/courses?q=shufa&kind=community",
    "search q=电工&weekday=2": "/courses?q=%E7%94%B5%E5%B7%A5&weekday=2",
    "search q=sf (initials)": "/courses?q=sf",
    "search q=烘焙": "/courses?q=%E7%83%98%E7%84%99",
    "catalogue /courses": "/courses",
}
PAGES = {
    "class page /courses/{open}": "/courses/{open}",
    "sign-up form /courses/{open}/signup": "/courses/{open}/signup",
    "receipt /signups/{ref}": "/signups/{ref}",
    "长辈版 list /elder/courses?day=week": "/elder/courses?day=week",
    "长辈版 list ?topic=书法": "/elder/courses?topic=%E4%B9%A6%E6%B3%95",
}
RATIO_TARGET, P95_TARGET, SCALE_TARGET = 0.4, 50.0, 1.3


def fixtures(url: str) -> dict[str, str]:
    """An open class far from its deadline, and the reference of one sign-up to it (a receipt)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        open_id = conn.execute(text("SELECT id FROM offerings ORDER BY id LIMIT 1 OFFSET 99")).scalar_one()
        conn.execute(
            text(
                "UPDATE offerings SET status = 'open', signup_deadline = :deadline, capacity = 40, "
                "allocation = 'first_come', min_to_open = NULL WHERE id = :id"
            ),
            {"deadline": dt.date(2099, 12, 31), "id": open_id},
        )
        ref = conn.execute(text("SELECT ref FROM enrolments ORDER BY id LIMIT 1")).scalar_one()
    engine.dispose()
    return {"open": str(open_id), "ref": ref}


def measure(base: str, routes: dict[str, str], seconds: int, **labels) -> list[dict]:
    """Each route right after /healthz: on a machine shared with other work the load changes from
    minute to minute, so each route's ratio is to the trivial route measured just before it."""
    rows = []
    for name, path in routes.items():
        wrk(base + path, seconds=1)  # both workers have rendered it once (templates compiled)
        baseline = wrk(base + "/healthz", seconds=seconds)
        result = wrk(base + path, seconds=seconds)
        ratio = result["rps"] / max(baseline["rps"], 1e-9)
        rows.append({"route": name, "path": path, **labels, **result, "ratio": ratio, "trivial_rps": baseline["rps"]})
    return rows


def run(backend: str, offerings: int, large: int, seconds: int) -> list[dict]:
    """Each route with the micro-cache on (as deployed), then with it off, then the searches at `large`."""
    rows = []
    with scratch_database(backend) as url:
        flask(environment(url), "db", "upgrade")
        gen_scale(environment(url), offerings=offerings, residents=500, enrolments=200)
        values = fixtures(url)
        pages = {name.format(**values): path.format(**values) for name, path in PAGES.items()}
        for cache in ("SimpleCache", "NullCache"):
            env = {**environment(url), "CACHE_TYPE": cache}
            with gunicorn(env) as base:
                routes = {**TRIVIAL, **SEARCHES} if cache == "SimpleCache" else {**TRIVIAL, **SEARCHES, **pages}
                rows += measure(base, routes, seconds, backend=backend, cache=cache, size=offerings)
        if large > offerings:
            gen_scale(environment(url), offerings=large)
            with gunicorn({**environment(url), "CACHE_TYPE": "NullCache"}) as base:
                rows += measure(base, {**TRIVIAL, **SEARCHES}, seconds, backend=backend, cache="NullCache", size=large)
    return rows


def verdicts(rows: list[dict]) -> list[str]:
    """One line per target, met or not, from the rows of one backend."""
    backend = rows[0]["backend"]
    small = min(r["size"] for r in rows)
    uncached = [r for r in rows if r["cache"] == "NullCache" and r["size"] == small and r["route"] not in TRIVIAL]
    lines = []
    slow = [r for r in uncached if r["ratio"] < RATIO_TARGET or r["p95_us"] / 1000 > P95_TARGET]
    worst = min(uncached, key=lambda r: r["ratio"])
    lines.append(
        f"{backend}: pages without the cache ≥ {RATIO_TARGET} of /healthz and p95 ≤ {P95_TARGET:.0f} ms: "
        + ("MET" if not slow else f"NOT MET ({', '.join(r['route'] for r in slow)})")
        + f"; lowest ratio {worst['ratio']:.2f} ({worst['route']})"
    )
    large = [r for r in rows if r["size"] > small and r["route"] not in TRIVIAL]
    for row in large:
        before = next(r for r in uncached if r["route"] == row["route"])
        row["scale"] = before["ratio"] / max(row["ratio"], 1e-9)  # cost = 1 / ratio
    if large:
        worst = max(large, key=lambda r: r["scale"])
        lines.append(
            f"{backend}: search cost at {worst['size']:,} classes ≤ {SCALE_TARGET} × at {small:,}: "
            + ("MET" if worst["scale"] <= SCALE_TARGET else "NOT MET")
            + f"; highest {worst['scale']:.2f} ({worst['route']})"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=5000)
    parser.add_argument("--large", type=int, default=20000, help="the size the searches are measured again at")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<11}{'classes':>8}  {'cache':<6}{'route':<42}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}", end="")
    print(f"{'ratio':>7}{'errors':>8}")
    results, lines = [], []
    for backend in backends:
        rows = run(backend, args.offerings, args.large, args.seconds)
        lines += verdicts(rows)
        for row in rows:
            row["ratio"] = round(row["ratio"], 3)
            results.append(row)
            cache = "on" if row["cache"] == "SimpleCache" else "off"
            scale = f"  cost ×{row['scale']:.2f} of {args.offerings:,}" if "scale" in row else ""
            print(
                f"{row['backend']:<11}{row['size']:>8}  {cache:<6}{row['route']:<42}{row['rps']:>9.0f}"
                f"{row['p50_us'] / 1000:>9.1f}{row['p95_us'] / 1000:>9.1f}{row['ratio']:>7.2f}"
                f"{row['errors'] + row['non2xx']:>8}{scale}",
                flush=True,
            )
    print()
    print("\n".join(lines))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "catalogue.json").write_text(json.dumps({"rows": results, "verdicts": lines}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
