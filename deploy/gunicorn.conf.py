"""gunicorn's settings for Xuehou: `gunicorn -c deploy/gunicorn.conf.py -b 0.0.0.0:8000 wsgi:app`.

Chosen by bench/signup.py (50 clients signing up at once, see the README's "Measured"): threads in
each worker let a request that waits on the database (a sign-up's write lock, PostgreSQL's round
trips) give the CPU to the next one, where a sync worker holds its client in the queue. Override
with GUNICORN_WORKERS / GUNICORN_THREADS (e.g. one worker per core on a bigger server).
"""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
