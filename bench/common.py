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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def peak_rss_mb(pid: int) -> float:
    """The most memory a process has held (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 1, timeout: float = 60, config: bool = False):
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
    """The csrf_token and submission_id a rendered form carries."""
    return {"csrf_token": hidden(html, "csrf_token"), "submission_id": hidden(html, "submission_id")}


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
