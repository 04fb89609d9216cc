# Two commands for a newcomer: `make run` (site with demo data on SQLite) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint assets translations extract db demo chromium bench bench-outbox bench-messages clean

# The development instance: instance/config.py with a generated SECRET_KEY (written once), the
# schema, the demo county, demo staff of each role (printed with where to log in), then the server.
# The message worker (Huey on instance/queue.db) runs beside the site and stops with it.
run: $(STAMP) assets translations
	$(BIN)/python -m app.devsetup $(PORT)
	XUEHOU_DEV=1 $(FLASK) db upgrade
	XUEHOU_DEV=1 $(FLASK) demo-data
	XUEHOU_DEV=1 PUBLIC_URL=http://127.0.0.1:$(PORT) $(FLASK) demo-staff
	XUEHOU_DEV=1 PUBLIC_URL=http://127.0.0.1:$(PORT) $(BIN)/huey_consumer app.messages.tasks.huey -w 2 -k thread -q & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	XUEHOU_DEV=1 PUBLIC_URL=http://127.0.0.1:$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Tests in parallel, a pytest-xdist worker per core (TEST_WORKERS=0: one process); the browser tests and
# the nginx cluster share one worker, one after another (tests/conftest.py).
TEST_WORKERS ?= auto
test: $(STAMP) assets translations chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: $(STAMP) node_modules/.package-lock.json
	$(BIN)/python -m app.assets

translations: $(STAMP)
	$(BIN)/pybabel compile --statistics -d app/translations

# For developers: collect new strings into the catalogues (then translate app/translations/en/…/messages.po).
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching -w 100

# Debian's Chromium for the browser tests (Playwright must not download its own).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium; \
	  else echo "Chromium is missing: browser tests will be skipped (apt-get install chromium)"; fi; }

bench: $(STAMP) assets translations
	$(BIN)/python bench/catalogue.py
	$(BIN)/python bench/plan.py
	$(BIN)/python bench/signup.py
	$(BIN)/python bench/dashboard.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/learners.py

# The worker's outbox: 200 submissions queued offline in Chromium, synced on reconnect (time and count).
bench-outbox: $(STAMP) assets translations chromium
	$(BIN)/python bench/outbox_sync.py --items 200

# The message worker's throughput to a local fake of the Alibaba SMS API (messages per second).
bench-messages: $(STAMP)
	$(BIN)/python bench/messages.py --messages 500

clean:
	rm -rf $(VENV) node_modules app/static/dist instance/*.db*
