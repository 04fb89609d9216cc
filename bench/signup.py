"""Sign-ups under load: 50 concurrent clients signing up to one class, beside a read-only page, same run.

    python bench/signup.py [--seconds 10] [--connections 50] [--backend sqlite|postgresql|both]
                           [--servers 2x1,2x4,4x1,deployed]

Serves the app with gunicorn and drives it with wrk on 127.0.0.1: first the class page
(read-only, never cached), then POST /courses/<id>/signup where every request is a new person (own
phone, own submission id; bench/signup.lua), once on a class with room for all (most confirm) and
once on a class of 10 seats (nearly all waitlisted). Each server shape of --servers is measured in
turn (WxT: W worker processes of T threads each, 2x1 = today's 2 sync workers; `deployed`: as
deploy/gunicorn.conf.py says). Prints sign-ups/s, p50/p95 and the ratio to the read-only page,
checks afterwards that no class holds more than its capacity, and a verdict per shape.
Target (issues 4 and 18): p95 ≤ 200 ms with 50 clients.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import ROOT, environment, flask, gunicorn, hidden, scratch_database


def prepare(url: str) -> dict[str, int]:
    """Two open classes with far deadlines: one with room for everyone, one with 10 seats."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM offerings ORDER BY id LIMIT 2"))]
        for offering_id, capacity in zip(ids, (1_000_000, 10), strict=True):
            conn.execute(
                text(
                    "UPDATE offerings SET capacity = :capacity, seats_taken = 0, status = 'open', "
                    "signup_deadline = :deadline, min_to_open = NULL, allocation = 'first_come' WHERE id = :id"
                ),
                {"capacity": capacity, "deadline": dt.date(2099, 12, 31), "id": offering_id},
            )
        town = conn.execute(text("SELECT town_id FROM offerings WHERE id = :id"), {"id": ids[0]}).scalar_one()
    engine.dispose()
    return {"big": ids[0], "small": ids[1], "town": town}


def session_for(base: str, path: str) -> tuple[str, str]:
    """A session cookie and the CSRF token of one rendered form."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + path).read().decode()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, hidden(html, "csrf_token")


def wrk(url: str, seconds: int, connections: int, script: Path, env: dict | None = None) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-H",
            "Accept-Encoding: br, gzip",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def counts(url: str, offering_id: int) -> dict:
    """Enrolments by status and the class's seat counter, read in one statement (one snapshot: a
    request wrk left in flight may commit between two statements and make them disagree)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.seats_taken, o.capacity, e.status, COUNT(e.id) FROM offerings o "
                "LEFT JOIN enrolments e ON e.offering_id = o.id WHERE o.id = :id "
                "GROUP BY o.seats_taken, o.capacity, e.status"
            ),
            {"id": offering_id},
        ).all()
    engine.dispose()
    seats, capacity = rows[0][0], rows[0][1]
    statuses = {status: n for _seats, _capacity, status, n in rows if status is not None}
    assert seats <= capacity and statuses.get("confirmed", 0) == seats, (statuses, seats, capacity)
    return statuses


P95_TARGET = 200.0


def server(env: dict, shape: str):
    """gunicorn in one shape: "WxT" (W processes of T threads) or "deployed"."""
    if shape == "deployed":
        return gunicorn(env, config=True)
    workers, threads = (int(n) for n in shape.split("x"))
    return gunicorn(env, workers=workers, threads=threads)


def run(backend: str, seconds: int, connections: int, shape: str = "2x1") -> list[dict]:
    report = (ROOT / "bench" / "report.lua").read_text()
    with tempfile.TemporaryDirectory() as folder:
        read_script = Path(folder) / "read.lua"
        read_script.write_text(report)
        post_script = Path(folder) / "signup.lua"
        post_script.write_text((ROOT / "bench" / "signup.lua").read_text() + "\n" + report)
        rows = []
        with scratch_database(backend) as url:
            # Texts kept in memory: the log sender would print each one (a gateway client queues them).
            # One load generator on 127.0.0.1 is every sign-up's address: the per-address limit is off.
            env = {**environment(url), "SMS_SENDER": "app.sms:MemorySender", "RATELIMIT_ENABLED": "false"}
            flask(env, "db", "upgrade")
            flask(env, "demo-data")
            ids = prepare(url)
            with server(env, shape) as base:
                page = f"/courses/{ids['big']}"
                wrk(base + page, 2, connections, read_script)  # warm up both workers
                result = wrk(base + page, seconds, connections, read_script)
                rows.append({"backend": backend, "server": shape, "route": f"read-only class page {page}", **result})
                for size in ("big", "small"):
                    path = f"/courses/{ids[size]}/signup"
                    cookie, token = session_for(base, path)
                    lua_env = {
                        "SIGNUP_PATH": path,
                        "SIGNUP_CSRF": token,
                        "SIGNUP_COOKIE": cookie,
                        "SIGNUP_TOWN": str(ids["town"]),
                        "SIGNUP_PHONE_PREFIX": "13" if size == "big" else "15",
                        "PATH": "/usr/bin:/bin",
                    }
                    result = wrk(base + path, seconds, connections, post_script, env=lua_env)
                    statuses = counts(url, ids[size])
                    made = sum(statuses.values())
                    # Every completed request made one enrolment (a few more may finish as wrk stops).
                    assert result["requests"] <= made <= result["requests"] + connections, (result, statuses)
                    label = "sign-up, room for all" if size == "big" else "sign-up, 10 seats (rest waitlisted)"
                    rows.append({"backend": backend, "server": shape, "route": label, **result, "statuses": statuses})
    baseline = rows[0]["rps"]
    for row in rows:
        # None when the read-only page finished no request in its seconds (a machine that busy says nothing).
        row["ratio"] = round(row["rps"] / baseline, 2) if baseline else None
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--servers", default="2x1,deployed", help="server shapes: WxT (processes x threads), deployed")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(f"{'backend':<11}{'server':<10}{'route':<40}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'ratio':>7}", end="")
    print(f"{'errors':>8}  enrolments")
    results, lines = [], []
    for backend in backends:
        for shape in args.servers.split(","):
            rows = run(backend, args.seconds, args.connections, shape)
            for row in rows:
                results.append(row)
                print(
                    f"{row['backend']:<11}{shape:<10}{row['route']:<40}{row['rps']:>9.0f}{row['p50_us'] / 1000:>9.1f}"
                    f"{row['p95_us'] / 1000:>9.1f}{row['ratio'] if row['ratio'] is not None else float('nan'):>7.2f}"
                    f"{row['errors'] + row['non2xx']:>8}"
                    f"  {row.get('statuses', '')}",
                    flush=True,
                )
            worst = max(rows[1:], key=lambda r: r["p95_us"])
            met = worst["p95_us"] / 1000 <= P95_TARGET and not any(r["errors"] + r["non2xx"] for r in rows)
            lines.append(
                f"{backend} {shape}: sign-up p95 ≤ {P95_TARGET:.0f} ms with {args.connections} clients: "
                + ("MET" if met else "NOT MET")
                + f" (worst {worst['p95_us'] / 1000:.0f} ms, {worst['route']}; {min(r['rps'] for r in rows[1:]):.0f}/s)"
            )
    print()
    print("\n".join(lines))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "signup.json").write_text(json.dumps({"rows": results, "verdicts": lines}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
