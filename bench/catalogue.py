"""Catalogue under load: searches, a class page, the sign-up form, a receipt and the 长辈版 list against a
trivial route, same server, same run; then the searches again at 20,000 classes.

    python bench/catalogue.py [--offerings 5000] [--large 20000] [--seconds 10] [--backend sqlite|postgresql|both]

Serves the app with gunicorn (2 workers) over a generated catalogue. For each route, right after
/healthz (a request that touches the database with SELECT 1): the workers' CPU time per request
over 200 requests from 4 keep-alive clients (read from /proc: what a request costs, whatever else
the shared machine is doing), then, with --seconds > 0, throughput and latency under wrk (16
connections, browser Accept-Encoding; these follow the neighbours' load as much as ours). The ratio
is /healthz's CPU time over the route's (on an idle machine, the ratio of their throughputs); "rps
ratio" is the wrk throughput over the trivial route's just before it. First with the micro-cache on
(as deployed), then off (what a new search or any class page costs); then the catalogue grows to
--large classes and the searches are measured again: a search's cost there over its cost at the
first size.
Targets (issue 18): every page ≥ 0.4 of /healthz with p95 ≤ 50 ms, without the cache; a search's
cost at 20,000 classes ≤ 1.3 × its cost at 5,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import cpu_cost, environment, flask, gen_scale, gunicorn, scratch_database, wrk

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


def measure(base, url: str, routes: dict[str, str], seconds: int, **labels) -> list[dict]:
    """Each route right after /healthz: its CPU time per request (the cost, whatever the machine's
    neighbours do) and its throughput and latency under wrk (which follow their load too); the
    ratios are the trivial route's CPU time over the route's, and its throughput over the trivial
    route's measured just before it."""
    rows = []
    for name, path in routes.items():
        wrk(base + path, seconds=1)  # both workers have rendered it once (templates compiled)
        trivial = cpu_cost(base, "/healthz", database_url=url)
        cost = cpu_cost(base, path, database_url=url)
        baseline = wrk(base + "/healthz", seconds=seconds) if seconds else None
        result = wrk(base + path, seconds=seconds) if seconds else {}
        rows.append(
            {
                "route": name,
                "path": path,
                **labels,
                **result,
                **cost,
                "ratio": trivial["cpu_ms"] / max(cost["cpu_ms"], 1e-9),
                "trivial_cpu_ms": trivial["cpu_ms"],
                "rps_ratio": result["rps"] / max(baseline["rps"], 1e-9) if baseline else None,
            }
        )
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
                rows += measure(base, url, routes, seconds, backend=backend, cache=cache, size=offerings)
        if large > offerings:
            gen_scale(environment(url), offerings=large)
            with gunicorn({**environment(url), "CACHE_TYPE": "NullCache"}) as base:
                rows += measure(
                    base, url, {**TRIVIAL, **SEARCHES}, seconds, backend=backend, cache="NullCache", size=large
                )
    return rows


def verdicts(rows: list[dict]) -> list[str]:
    """One line per target, met or not, from the rows of one backend."""
    backend = rows[0]["backend"]
    small = min(r["size"] for r in rows)
    uncached = [r for r in rows if r["cache"] == "NullCache" and r["size"] == small and r["route"] not in TRIVIAL]
    lines = []
    low = [r for r in uncached if r["ratio"] < RATIO_TARGET]
    worst = min(uncached, key=lambda r: r["ratio"])
    lines.append(
        f"{backend}: every page without the cache costs ≤ 1/{RATIO_TARGET} of /healthz (ratio ≥ {RATIO_TARGET}): "
        + ("MET" if not low else f"NOT MET for {len(low)} of {len(uncached)} ({', '.join(r['route'] for r in low)})")
        + f"; lowest {worst['ratio']:.2f} ({worst['route']})"
    )
    if all("p95_us" in r for r in uncached):
        slow = [r for r in uncached if r["p95_us"] / 1000 > P95_TARGET]
        trivial = [r for r in rows if r["route"] in TRIVIAL and r["cache"] == "NullCache" and r["size"] == small]
        lines.append(
            f"{backend}: p95 ≤ {P95_TARGET:.0f} ms under wrk (16 connections): "
            + ("MET" if not slow else f"NOT MET for {len(slow)} of {len(uncached)}")
            + f" (the trivial route's own p95 in this run: {trivial[0]['p95_us'] / 1000:.0f} ms)"
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
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per route (0: CPU time only)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    header = f"{'backend':<11}{'classes':>8}  {'cache':<6}{'route':<40}{'cpu ms':>8}{'ratio':>7}{'client p95':>11}"
    print(header + f"{'wrk req/s':>10}{'wrk p95':>9}{'rps ratio':>10}{'errors':>7}")
    results, lines = [], []
    for backend in backends:
        rows = run(backend, args.offerings, args.large, args.seconds)
        lines += verdicts(rows)
        for row in rows:
            results.append(row)
            cache = "on" if row["cache"] == "SimpleCache" else "off"
            scale = f"  cost ×{row['scale']:.2f} of {args.offerings:,}" if "scale" in row else ""
            wrk_part = (
                f"{row['rps']:>10.0f}{row['p95_us'] / 1000:>9.1f}{row['rps_ratio']:>10.2f}"
                if "rps" in row
                else f"{'':>29}"
            )
            errors = row["http_errors"] + row.get("errors", 0) + row.get("non2xx", 0)
            print(
                f"{row['backend']:<11}{row['size']:>8}  {cache:<6}{row['route']:<40}{row['cpu_ms']:>8.2f}"
                f"{row['ratio']:>7.2f}{row['client_p95_ms']:>11.1f}{wrk_part}{errors:>7}{scale}",
                flush=True,
            )
    print()
    print("\n".join(lines))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "catalogue.json").write_text(json.dumps({"rows": results, "verdicts": lines}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
