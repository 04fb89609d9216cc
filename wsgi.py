"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi …`."""

import sys

from app import ConfigError, create_app

try:
    app = create_app()
except ConfigError as error:
    # One clear line, not a traceback. Status 4 is gunicorn's "app failed to load": it stops rather
    # than starting workers again and again.
    print(f"xuehou: {error}", file=sys.stderr)
    raise SystemExit(4) from None
