"""The message worker's throughput to a local fake of the Alibaba Cloud SMS API, same run baseline.

    python bench/messages.py [--messages 500] [--workers 4] [--backend sqlite|postgresql|both]

Writes N queued message rows in a scratch database, starts the fake gateway (bench/fake_alibaba.py)
and the real worker process (huey_consumer, threads, SQLite queue file), and times until every row
is sent: messages per second, end to end (claim, caps, SDK call, record, audit). The baseline is the
same SDK sending the same number of texts to the same fake in one loop with no database: the
ratio says what the outbox's bookkeeping costs. Afterwards it checks each message went exactly once.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bench.common import environment, flask, message_worker, scratch_database
from bench.fake_alibaba import FakeAlibaba


def baseline(fake: FakeAlibaba, count: int) -> float:
    from flask import Flask

    from app.messages.alibaba import AlibabaSender
    from app.sms import Outgoing

    app = Flask("baseline")
    app.config.update(
        SMS_ALIBABA_SIGN_NAME="学后",
        SMS_ALIBABA_TEMPLATES={"opened": "SMS_100"},
        SMS_ALIBABA_ENDPOINT=fake.endpoint,
        SMS_ALIBABA_PROTOCOL="http",
        SMS_ALIBABA_ACCESS_KEY_ID="bench",
        SMS_ALIBABA_ACCESS_KEY_SECRET="bench",
    )
    sender = AlibabaSender(app)
    start = time.perf_counter()
    with app.app_context():
        for n in range(count):
            sender.send(Outgoing(id=-n - 1, phone=f"137{n:08d}", template="opened", params={"name": "课", "code": "A"}))
    return count / (time.perf_counter() - start)


def run(backend: str, count: int, workers: int) -> None:
    with scratch_database(backend) as url:
        env = environment(url)
        flask(env, "db", "upgrade")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO messages (kind, template, params, phone, state, priority, attempts,"
                    " next_attempt_at, created_at) VALUES ('notice', 'opened', :params, :phone, 'queued', 5, 0,"
                    " :now, :now)"
                ),
                [
                    {"params": '{"name": "课", "code": "A1"}', "phone": f"139{n:08d}", "now": "2000-01-01 00:00:00"}
                    for n in range(count)
                ],
            )
        fake = FakeAlibaba().start()
        ceiling = baseline(fake, count)
        fake.sent.clear()
        folder = tempfile.mkdtemp(prefix="xuehou-queue-")
        env.update(
            XUEHOU_QUEUE_URL=f"sqlite:///{folder}/queue.db",
            SMS_SENDER="app.messages.alibaba:AlibabaSender",
            SMS_ALIBABA_ENDPOINT=fake.endpoint,
            SMS_ALIBABA_PROTOCOL="http",
            SMS_ALIBABA_ACCESS_KEY_ID="bench",
            SMS_ALIBABA_ACCESS_KEY_SECRET="bench",
            SMS_ALIBABA_TEMPLATES="opened=SMS_100",
            SMS_QUIET_HOURS="off",
            RATELIMIT_STORAGE_URI="memory://",
        )
        start = time.perf_counter()
        worker = message_worker(env, workers=workers)
        try:
            while True:
                with engine.connect() as conn:
                    sent = conn.scalar(text("SELECT count(*) FROM messages WHERE state = 'sent'"))
                if sent >= count:
                    break
                if time.perf_counter() - start > 300:
                    raise SystemExit(f"{backend}: only {sent} of {count} sent in 300 s")
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
        finally:
            worker.terminate()
            worker.wait(15)
            fake.stop()
            engine.dispose()
        ids = [t["OutId"] for t in fake.sent]
        assert len(ids) == len(set(ids)) == count, "each message exactly once"
        rate = count / elapsed
        print(
            f"{backend}: {count} messages, {workers} worker threads: {rate:.0f} messages/s "
            f"(worker start-up included); the SDK alone to the same fake: {ceiling:.0f}/s; "
            f"ratio {rate / ceiling:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-only")
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        run(backend, args.messages, args.workers)


if __name__ == "__main__":
    main()
