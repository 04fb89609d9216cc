"""gunicorn's settings for Xuehou: `gunicorn -c deploy/gunicorn.conf.py -b 0.0.0.0:8000 wsgi:app`.

Chosen by bench/signup.py on a quiet machine (50 clients signing up at once, see the README's
"Measured"): one sync worker per core beat 2 workers × 4 threads and 4 processes on sign-ups and on
the class page, on SQLite and PostgreSQL (threads only contend for the GIL). nginx in front buffers
slow clients. Override with GUNICORN_WORKERS / GUNICORN_THREADS (e.g. one worker per core on a
bigger server).
"""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
