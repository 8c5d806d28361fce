# Two commands for a newcomer: `make run` (the site with demo content) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test install migrate demo check clean audit screenshots

# Reinstall only when the requirements change.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo_content

## make run: install, migrate, load demo content, make sure a local admin exists, serve on 127.0.0.1:$(PORT)
## (scheduled publishing and expiry run in the background while it serves)
run: demo
	$(MANAGE) ensure_dev_admin
	$(MANAGE) run_scheduled_publishing --interval 60 & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

## make test: the whole suite (browser tests included; they need Debian's chromium)
test: install
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache

# The audit tools (Lighthouse, the Nu HTML Checker) come from npm; install scripts stay off
# (vnu-jar's would download a Java runtime; the machine's Java 17 runs vnu.jar).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

## make audit: serve the demo site (throwaway database, DEBUG off) and check every page type at
## 375 and 1280 px with axe-core, Lighthouse and the Nu HTML Checker; fails on any finding
audit: install node_modules/.package-lock.json
	bash scripts/ensure-chromium.sh
	$(BIN)/python scripts/audit.py $(AUDIT_ARGS)

## make bench: serve the site as production does (gunicorn, DEBUG off, PostgreSQL if DATABASE_URL is set) with
## BENCH_SCALE demo content and load every page type with wrk, page cache off then on (docs/performance.md)
BENCH_SCALE ?= 1000
BENCH_SECONDS ?= 10
.PHONY: bench
bench: install
	$(BIN)/python scripts/bench.py --scale $(BENCH_SCALE) --seconds $(BENCH_SECONDS) $(BENCH_ARGS)

## make screenshots: docs/screenshots/{home-phone,home-desktop,admin-edit}.png from the demo site
screenshots: install
	bash scripts/ensure-chromium.sh
	$(BIN)/python scripts/screenshots.py
