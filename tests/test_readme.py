"""A newcomer can use every role (issue 12): `make run` sets up a development instance with demo staff
of each role, and every command README.md gives works as written afterwards, in a shell that has
exported nothing. Run here against a temporary instance folder (XUEHOU_INSTANCE) and database."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
pytestmark = pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "flask").exists(), reason="needs make's .venv")


def newcomer_env(instance: Path) -> dict[str, str]:
    """A shell that exported nothing of ours, pointed at a temporary instance folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XUEHOU_", "FLASK_"))}
    for name in ("SECRET_KEY", "PUBLIC_URL", "DATABASE_URL", "CACHE_TYPE", "SMS_SENDER", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    return {**env, "XUEHOU_INSTANCE": str(instance)}


def shell(line: str, env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(line, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def readme_commands() -> list[str]:
    """The flask commands README.md gives, inline or in a code block, as one line each."""
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    inline = [" ".join(code.split()) for code in re.findall(r"`([^`]+)`", prose)]
    blocks = [line.strip() for block in re.findall(r"```sh\n(.*?)```", README, re.S) for line in block.splitlines()]
    return [c.split("#")[0].strip() for c in inline + blocks if re.match(r"(XUEHOU_DEV=1 )?\.venv/bin/flask ", c)]


def concrete(command: str) -> list[str]:
    """README placeholders filled in; `--role worker|institution|admin … [--institution ID] [--town NAME]`
    becomes one command per role."""
    command = re.sub(r"\bN\b", "20", command)
    if "worker|institution|admin" not in command:
        return [command]
    out = []
    for role, extra in (("worker", "--town 当湖街道"), ("institution", "--institution 1"), ("admin", "")):
        line = command.replace("worker|institution|admin", role).replace(" U ", f" readme-{role} ")
        line = line.replace(" P", " readme-password").replace("[--institution ID] [--town NAME]", extra)
        out.append(line.strip())
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_then_every_readme_command_works(tmp_path):
    env = newcomer_env(tmp_path)
    port = free_port()
    dry = shell(f"make -n run PORT={port}", env)
    assert dry.returncode == 0, dry.stderr
    steps = [line for line in dry.stdout.splitlines() if "app.devsetup" in line or "/flask " in line]
    *setup, serve = steps
    assert any("demo-staff" in s for s in setup) and serve.endswith(f"run --host 127.0.0.1 --port {port}")

    for step in setup:  # what make run does, in the newcomer's shell
        result = shell(step, env)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
        if "demo-staff" in step:
            printed = result.stdout
    config = (tmp_path / "config.py").read_text()
    assert "SECRET_KEY = '" in config and f"PUBLIC_URL = 'http://127.0.0.1:{port}'" in config
    for role, username, login in (
        ("worker", "demo-worker", "/worker/login"),
        ("institution", "demo-institution", "/admin/login"),
        ("admin", "demo-admin", "/admin/login"),
        ("mentor", "demo-mentor", "/worker/login"),
        ("enterprise", "demo-enterprise", "/enterprise/login"),
    ):
        assert re.search(rf"{role}\s+{username}\s+http://127\.0\.0\.1:{port}{login}", printed), printed
    again = shell(setup[-1], env)
    assert again.returncode == 0 and again.stdout.count("already there") == 5, "a second make run adds nothing"

    server = subprocess.Popen(
        serve,
        shell=True,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/worker/login", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("make run's server did not answer")
        assert "工作人员登录" in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)

    commands = [line for command in readme_commands() for line in concrete(command)]
    assert len(commands) >= 8, commands
    for command in commands:  # after make run, as a newcomer types them (nothing exported)
        result = shell(command, env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, command


def test_demo_staff_are_refused_outside_development(tmp_path):
    env = newcomer_env(tmp_path)
    shell(".venv/bin/python -m app.devsetup", env)
    result = shell(".venv/bin/flask --app wsgi demo-staff", env)
    assert result.returncode != 0 and "development only" in result.stderr and "Traceback" not in result.stderr


def test_without_the_development_config_the_refusal_is_one_line(tmp_path):
    result = shell(
        ".venv/bin/flask --app wsgi create-user --role admin --username a --password longenough", newcomer_env(tmp_path)
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1 and lines[0].startswith("xuehou: Set SECRET_KEY"), lines


def test_every_make_command_in_the_readme_exists(tmp_path):
    targets = set(re.findall(r"(?:^|`|\n)(?:PORT=\d+ )?make ([a-z][a-z -]*?)(?=`|\s+#|\n)", README))
    assert {"run", "test"} <= targets, targets
    for target in sorted(targets):
        result = shell(f"make -n {target}", newcomer_env(tmp_path))
        assert result.returncode == 0, (target, result.stderr)
