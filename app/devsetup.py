"""`python -m app.devsetup [PORT]`: the development instance's config, written once (make run).

Writes instance/config.py (or $XUEHOU_INSTANCE/config.py) with a generated SECRET_KEY and a
PUBLIC_URL on 127.0.0.1 if it does not exist, so that the README's `flask --app wsgi …` commands
work in a development checkout without exporting anything. An existing file is never changed."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instance_folder() -> Path:
    return Path(os.environ.get("XUEHOU_INSTANCE") or ROOT / "instance").resolve()


def write_config(port: int = 5000) -> tuple[Path, bool]:
    """The config file's path, and whether it was written now."""
    path = instance_folder() / "config.py"
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Written by `make run` for development on this machine (git-ignored). Production sets these\n"
        "# in its environment instead; see README.md.\n"
        f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
        f"PUBLIC_URL = 'http://127.0.0.1:{port}'\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path, True


if __name__ == "__main__":
    written_path, written = write_config(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
    print(f"{'wrote' if written else 'kept'} {written_path}")
