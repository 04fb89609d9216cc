#!/usr/bin/env bash
# Xuehou as a county runs it, on one machine for testing: nginx in front of two gunicorn instances,
# the message worker, Redis and PostgreSQL, all on 127.0.0.1. Runs in the foreground; Ctrl-C (or
# SIGTERM) stops everything it started. The same pieces, one per server, are a real deployment.
#
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/xuehou SECRET_KEY=… deploy/run-local-cluster.sh
#
# Environment: PORT (nginx, default 8080; the app servers take PORT+1 and PORT+2), REDIS_URL
# (default redis://127.0.0.1:6379/0; started here on REDIS_PORT if nothing answers), RUN_DIR (logs,
# nginx's files; default a new temporary folder), MIGRATE=0 to skip `flask db upgrade`, and any of
# the app's settings (SMS_SENDER, PUBLIC_URL, …).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${BIN:-$ROOT/.venv/bin}"
PORT="${PORT:-8080}"
RUN_DIR="${RUN_DIR:-$(mktemp -d -t xuehou-cluster-XXXXXX)}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL)}"
: "${SECRET_KEY:?set SECRET_KEY (the same on every server: sessions are signed cookies)}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
mkdir -p "$RUN_DIR"
cd "$ROOT"

# Shared state lives outside the app servers: PostgreSQL for data, one-time codes and messages;
# Redis for rate-limit counters, the micro-cache and the message queue.
export DATABASE_URL SECRET_KEY
export RATELIMIT_STORAGE_URI="$REDIS_URL" CACHE_TYPE=RedisCache CACHE_REDIS_URL="$REDIS_URL"
export XUEHOU_QUEUE_URL="$REDIS_URL" PROXY_FIX_X_FOR=1 PROXY_FIX_X_PROTO=1

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT INT TERM

if ! "$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()" "$REDIS_URL" 2>/dev/null; then
  REDIS_PORT="${REDIS_PORT:-6380}"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --dir "$RUN_DIR" >"$RUN_DIR/redis.log" 2>&1 &
  pids+=($!)
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export RATELIMIT_STORAGE_URI="$REDIS_URL" CACHE_REDIS_URL="$REDIS_URL" XUEHOU_QUEUE_URL="$REDIS_URL"
  sleep 0.5
fi

if [ "${MIGRATE:-1}" = 1 ]; then
  "$BIN/flask" --app wsgi db upgrade
fi

# Access logs as JSON lines without personal data: no address, no query string, no cookies.
access_format='{"time":"%(t)s","method":"%(m)s","path":"%(U)s","status":"%(s)s","bytes":"%(B)s","ms":"%(M)s"}'
for n in 1 2; do
  "$BIN/gunicorn" -c "$ROOT/deploy/gunicorn.conf.py" -b "127.0.0.1:$((PORT + n))" --access-logfile "$RUN_DIR/app$n-access.log" \
    --access-logformat "$access_format" --error-logfile "$RUN_DIR/app$n-error.log" wsgi:app &
  pids+=($!)
done
"$BIN/huey_consumer" app.messages.tasks.huey -w 2 -k thread -q >"$RUN_DIR/worker.log" 2>&1 &
pids+=($!)

sed -e "s|@RUN_DIR@|$RUN_DIR|g" -e "s|@PORT@|$PORT|g" -e "s|@APP1@|$((PORT + 1))|g" -e "s|@APP2@|$((PORT + 2))|g" \
  "$ROOT/deploy/nginx.conf.template" >"$RUN_DIR/nginx.conf"
"$NGINX" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/nginx-error.log" -g "daemon off;" &
pids+=($!)

echo "xuehou cluster: http://127.0.0.1:$PORT (logs in $RUN_DIR)"
wait -n  # one piece died: stop the rest (the trap)
