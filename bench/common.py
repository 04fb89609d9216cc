"""Shared pieces of the benchmarks: a scratch database, a gunicorn server, the tokens of a rendered
form, wrk runs.

Standard library only (psycopg when a PostgreSQL scratch database is asked for), so the benchmarks
run as plain scripts. The tests use the same server launcher and token reader (tests/helpers.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A free port on 127.0.0.1: any, or the first free one of BENCH_PORTS (e.g. 8140-8149) when set,
    for a machine where each session keeps to its own ports."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    for port in range(int(low), int(high or low) + 1) if low else [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only",
        "PUBLIC_URL": "http://127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }


def flask(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def gen_scale(env: dict, **sizes: int) -> str:
    """`flask gen-scale` with the given sizes (residents=…, needs=…, offerings=…, enrolments=…)."""
    return flask(env, "gen-scale", *(arg for name, n in sizes.items() for arg in (f"--{name}", str(n))))


@contextlib.contextmanager
def scratch_database(backend: str):
    """A new SQLite file, or a new PostgreSQL database on 127.0.0.1, dropped afterwards."""
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="xuehou-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg

    name = f"xuehou_bench_{os.getpid()}"
    admin = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Base(str):
    """The server's address, with the gunicorn master's process id (`.pid`) for measuring its workers."""

    pid: int


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def process_cpu(pids: list[int]) -> dict[int, float]:
    """CPU time (user + system, seconds) each process has used so far, every thread included."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return used


def database_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving `url`'s database (none for SQLite, which runs in ours)."""
    if not url.startswith("postgresql"):
        return []
    import psycopg

    admin = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (url.rsplit("/", 1)[1],)
        ).fetchall()
    return [pid for (pid,) in rows]


def cpu_seconds(master: int, database_url: str = "") -> dict[int, float]:
    """CPU time so far of the server's workers and of the database processes serving them."""
    return process_cpu(worker_pids(master) + database_pids(database_url))


def cpu_cost(base: Base, path: str, requests: int = 200, clients: int = 4, database_url: str = "") -> dict:
    """The server's CPU time per request of `path` (ms) over `requests` requests from `clients`
    keep-alive connections (PostgreSQL's own processes included), with the latencies the clients
    saw. CPU time is what a request costs
    whatever else the machine is doing; throughput and latency on a shared machine follow the
    neighbours' load as much as ours."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    address = urlsplit(base)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(count: int) -> None:
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        for _ in range(count):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Encoding": "br, gzip"})
            response = conn.getresponse()
            response.read()
            with lock:
                latencies.append(time.perf_counter() - started)
                errors[0] += response.status >= 400
        conn.close()

    before, started = cpu_seconds(base.pid, database_url), time.perf_counter()
    threads = [threading.Thread(target=client, args=(requests // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after, wall = cpu_seconds(base.pid, database_url), time.perf_counter() - started
    cpu = sum(used - before.get(pid, 0.0) for pid, used in after.items())
    latencies.sort()
    return {
        "cpu_ms": cpu / len(latencies) * 1000,
        "client_p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
        "client_rps": len(latencies) / wall,
        "http_errors": errors[0],
    }


def peak_rss_mb(pid: int) -> float:
    """The most memory a process has held (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 1, timeout: float = 180, config: bool = False):
    """The app (wsgi:app) under gunicorn on a free port of 127.0.0.1 with `env`; yields its base URL
    once /healthz answers, and stops it afterwards. config=True: as deployed, with
    deploy/gunicorn.conf.py (its workers and threads instead of `workers` and `threads`)."""
    port = free_port()
    if config:
        args = ["-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    else:
        args = ["-w", str(workers), *(["--threads", str(threads)] if threads > 1 else [])]
    args += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    proc = subprocess.Popen([str(BIN / "gunicorn"), *args], cwd=ROOT, env=env)
    base = Base(f"http://127.0.0.1:{port}")
    base.pid = proc.pid
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited with {proc.returncode}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)  # a loaded machine can take a while to stop the workers
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def message_worker(env: dict, workers: int = 2) -> subprocess.Popen:
    """The message worker (Huey's consumer of app.messages.tasks) with `env`; the caller stops it
    (terminate for a graceful stop, kill for a crash)."""
    args = ["app.messages.tasks.huey", "-w", str(workers), "-k", "thread", "-q"]
    return subprocess.Popen([str(BIN / "huey_consumer"), *args], cwd=ROOT, env=env)


def hidden(html: str, name: str) -> str:
    """The value of the hidden input `name` in a rendered page: a form's own (WTForms writes
    name before type) before one from post_tokens() (type before name)."""
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html) or re.search(
        rf'type="hidden" name="{name}" value="([^"]*)"', html
    )
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def tokens(html: str) -> dict[str, str]:
    """The csrf_token and submission_id a rendered form carries, and the version of the record an
    edit form was loaded at (when it has one)."""
    found = {"csrf_token": hidden(html, "csrf_token"), "submission_id": hidden(html, "submission_id")}
    if 'name="version" type="hidden"' in html:
        found["version"] = hidden(html, "version")
    return found


def wrk(url: str, seconds: int = 10, connections: int = 16) -> dict:
    """Throughput and latency of one URL under load, with a browser's Accept-Encoding."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",  # a loaded machine's slow answer is counted in the latency, not dropped
            "-H",
            "Accept-Encoding: br, gzip",
            "-s",
            str(ROOT / "bench" / "report.lua"),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])
