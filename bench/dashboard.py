"""The bureau's dashboard at county scale, beside a trivial page, same server, same run.

    python bench/dashboard.py [--backend sqlite|postgresql|both] [--requests 40]
        [--residents 409200 --needs 120000 --offerings 3000 --enrolments 60000]

Builds a scratch database with `flask gen-scale` (timed), serves it with gunicorn (2 workers), logs
in as a bureau admin through the real form, then times sequential requests (one at a time, so the
figure is render time, not queueing) to /admin/dashboard and to /healthz. Prints median and p95.
gen-scale ends with ANALYZE (VACUUM ANALYZE on PostgreSQL), as a county's database is kept.
Target (issues 7 and 14): dashboard median ≤ 500 ms with every figure computed on each request; the
page as served computes them at most once a minute (DASHBOARD_CACHE_SECONDS), measured too.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import environment, flask, gen_scale, gunicorn, scratch_database, tokens


def opener_logged_in(base: str, username: str, password: str):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/admin/login").read().decode()
    fields = {**tokens(page), "username": username, "password": password}
    opener.open(base + "/admin/login", urllib.parse.urlencode(fields).encode()).read()
    return opener


def timings(opener, url: str, count: int) -> dict:
    opener.open(url).read()  # warm up
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = opener.open(url)
        response.read()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status == 200, response.status
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 1),
        "max_ms": round(samples[-1], 1),
    }


def run(backend: str, args) -> list[dict]:
    rows = []
    with scratch_database(backend) as url:
        env = environment(url)
        flask(env, "db", "upgrade")
        start = time.perf_counter()
        out = gen_scale(
            env, residents=args.residents, needs=args.needs, offerings=args.offerings, enrolments=args.enrolments
        )
        generated = round(time.perf_counter() - start, 1)
        print(f"{backend}: {out} in {generated} s", flush=True)
        flask(env, "create-user", "--role", "admin", "--username", "bench", "--password", "bench-password")
        # First with every figure computed on every request (no cache), then as served: the figures
        # computed at most once a minute per cache (DASHBOARD_CACHE_SECONDS).
        runs = (
            (
                {**env, "CACHE_TYPE": "NullCache"},
                (("trivial /healthz", "/healthz"), ("dashboard, computed", "/admin/dashboard")),
            ),
            (env, (("dashboard, as served", "/admin/dashboard"),)),
        )
        for server_env, routes in runs:
            with gunicorn(server_env) as base:
                opener = opener_logged_in(base, "bench", "bench-password")
                for name, path in routes:
                    rows.append(
                        {
                            "backend": backend,
                            "route": name,
                            "gen_scale_s": generated,
                            **timings(opener, base + path, args.requests),
                        }
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--residents", type=int, default=409200)
    parser.add_argument("--needs", type=int, default=120000)
    parser.add_argument("--offerings", type=int, default=3000)
    parser.add_argument("--enrolments", type=int, default=60000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        results.extend(run(backend, args))
    print(f"{'backend':<11}{'route':<30}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for row in results:
        print(f"{row['backend']:<11}{row['route']:<30}{row['median_ms']:>11}{row['p95_ms']:>9}{row['max_ms']:>9}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
