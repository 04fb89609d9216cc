"""Exports at county scale under the production server: needs and enrolments, XLSX and CSV.

    python bench/export.py [--backend sqlite|postgresql|both] [--needs 120000 --enrolments 120000]

Builds a scratch database with `flask gen-scale`, serves it with gunicorn as the README's production
command does (sync workers, the default 30 s timeout), logs in as a bureau admin and downloads each
export once, timing it and reading the workers' peak memory (VmHWM) before and after. A worker
that held the whole file would grow by its size; a streamed export leaves it flat. Target (issue
14): 120,000 rows well under 30 s, memory flat.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import environment, flask, gen_scale, gunicorn, peak_rss_mb, scratch_database, worker_pids
from bench.dashboard import opener_logged_in

EXPORTS = ("needs.xlsx", "needs.csv", "enrolments.xlsx", "enrolments.csv")


def run(backend: str, args) -> list[dict]:
    rows = []
    with scratch_database(backend) as url:
        env = environment(url)
        flask(env, "db", "upgrade")
        start = time.perf_counter()
        out = gen_scale(
            env, residents=args.residents, needs=args.needs, offerings=args.offerings, enrolments=args.enrolments
        )
        print(f"{backend}: {out} in {round(time.perf_counter() - start, 1)} s", flush=True)
        flask(env, "create-user", "--role", "admin", "--username", "bench", "--password", "bench-password")
        with gunicorn(env, workers=1) as base:
            opener = opener_logged_in(base, "bench", "bench-password")
            (worker,) = worker_pids(base.pid)
            for name in EXPORTS:
                before = peak_rss_mb(worker)
                start = time.perf_counter()
                response = opener.open(f"{base}/admin/exports/{name}", timeout=60)
                first = time.perf_counter() - start
                size, count = 0, 0
                while chunk := response.read(2**16):
                    size += len(chunk)
                    if name.endswith(".csv"):
                        count += chunk.count(b"\n")
                seconds = time.perf_counter() - start
                assert response.status == 200, response.status
                row = {
                    "backend": backend,
                    "export": name,
                    "seconds": round(seconds, 1),
                    "first_byte_s": round(first, 2),
                    "mb": round(size / 2**20, 1),
                    "lines": count - 1 if count else None,
                    "worker_peak_mb_before": round(before, 1),
                    "worker_peak_mb_after": round(peak_rss_mb(worker), 1),
                }
                print(row, flush=True)
                rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--residents", type=int, default=409200)
    parser.add_argument("--needs", type=int, default=120000)
    parser.add_argument("--offerings", type=int, default=6000)
    parser.add_argument("--enrolments", type=int, default=120000)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = []
    for backend in backends:
        results.extend(run(backend, args))
    print(f"{'backend':<11}{'export':<18}{'s':>6}{'first byte s':>14}{'MB':>7}{'worker MB before → after':>28}")
    for r in results:
        print(
            f"{r['backend']:<11}{r['export']:<18}{r['seconds']:>6}{r['first_byte_s']:>14}{r['mb']:>7}"
            f"{r['worker_peak_mb_before']:>18} → {r['worker_peak_mb_after']}"
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "export.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
