# Two commands for a newcomer: `make run` (the site with demo content) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py
TEMPLATES = $(shell find templates -name '*.html' | sort)

.PHONY: run test test-fast install lock migrate demo check lint lint-imports format clean audit screenshots

# Reinstall only when the locks change. requirements-dev.txt is the whole locked environment
# (runtime + dev tools, pip itself included), every package pinned with its hashes.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

## make lock: compile requirements.in -> requirements.txt and requirements-dev.in -> requirements-dev.txt
## with pip-tools (a dev dependency), then install. Existing pins stay unless you ask:
## UPGRADE="Django wagtail" (those packages, within their .in ranges) or UPGRADE=all. For Python 3.11.
LOCK_ARGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
	$(if $(filter all,$(UPGRADE)),--upgrade,$(foreach name,$(UPGRADE),--upgrade-package $(name)))
LOCK_COMPILER ?= $(BIN)/pip-compile
lock: $(BIN)/.installed
	@$(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "make lock: the locks are for Python 3.11; .venv has " + sys.version.split()[0])'
	$(LOCK_COMPILER) $(LOCK_ARGS) --output-file requirements.txt requirements.in
	$(LOCK_COMPILER) $(LOCK_ARGS) --output-file requirements-dev.txt requirements-dev.in
	$(MAKE) --no-print-directory install

migrate: install
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo_content

## make run: install, migrate, load demo content, make sure a local admin exists, serve on 127.0.0.1:$(PORT)
## (scheduled publishing and expiry run in the background while it serves). Links in the emails it
## prints (invitations, password resets, review notices) point there too, unless
## WAGTAILADMIN_BASE_URL is already set.
run: export WAGTAILADMIN_BASE_URL ?= http://127.0.0.1:$(PORT)
run: demo
	$(MANAGE) ensure_dev_admin
	$(MANAGE) run_scheduled_publishing --interval 60 & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

## make test: the whole suite (browser tests included; they need Debian's chromium), on
## TEST_WORKERS pytest-xdist processes (default: one per CPU; TEST_WORKERS=0 runs in this process).
## One group: make test PYTEST_ARGS="-m accounts" (groups: content, site, accounts, ops, browser).
## make test-fast: everything but the browser and ops groups (the edit-test loop; README.md).
TEST_WORKERS ?= auto
test: install
	bash scripts/ensure-chromium.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser and not ops" $(PYTEST_ARGS)

check: install
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

## make lint: every static check (CI runs it before the tests): the import layers, ruff's rules and
## format (settings in pyproject.toml), and the templates' indentation (djhtml). `make format` fixes
## what the formatters can.
lint: lint-imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check $(TEMPLATES)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djhtml $(TEMPLATES)

## make lint-imports: the layers of README.md's "What is where" hold (contracts in pyproject.toml)
lint-imports: install
	$(BIN)/lint-imports

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

## make bench: serve the site with gunicorn exactly as `make serve` does (the shipped configuration; the bench's
## few overrides printed; DEBUG off, PostgreSQL if DATABASE_URL is set) with BENCH_SCALE demo content and load
## every page type with wrk, page cache off then on, counting worker boots (docs/performance.md)
BENCH_SCALE ?= 1000
BENCH_SECONDS ?= 10
.PHONY: bench
bench: install
	$(BIN)/python scripts/bench.py --scale $(BENCH_SCALE) --seconds $(BENCH_SECONDS) $(BENCH_ARGS)

## make screenshots: docs/screenshots/{home-phone,home-desktop,admin-edit}.png from the demo site
screenshots: install
	bash scripts/ensure-chromium.sh
	$(BIN)/python scripts/screenshots.py

## make serve: serve production (docs/operations.md): collectstatic, then gunicorn with
## dei_portal/operations/gunicorn_conf.py and dei_portal.settings.production, all configuration from the
## environment (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and WAGTAILADMIN_BASE_URL required). JSON logs on stdout
## (LOG_FORMAT=text for plain lines); the app logs each request, so gunicorn's access log is off.
## Migrations are a release step, not a start-up step: run `make migrate` once per deploy.
## make drills: fault drills under load against a private PostgreSQL and Redis (scripts/fault_drills.py)
SERVE_SETTINGS ?= dei_portal.settings.production
.PHONY: serve serve-env drills
serve-env:
	@missing=""; for name in SECRET_KEY ALLOWED_HOSTS DATABASE_URL WAGTAILADMIN_BASE_URL; do \
		[ -n "$$(printenv $$name)" ] || missing="$$missing $$name"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make serve: set$$missing in the environment (see docs/operations.md)" >&2; exit 1; \
	fi

# The runtime lock only (a server needs no test tools), hashes checked.
$(BIN)/.installed-runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

# (@: stdout carries only the JSON log lines.)
serve: serve-env $(BIN)/.installed-runtime
	@DJANGO_SETTINGS_MODULE=$(SERVE_SETTINGS) $(MANAGE) collectstatic --noinput --verbosity 0
	@DJANGO_SETTINGS_MODULE=$(SERVE_SETTINGS) GUNICORN_ACCESS_LOG=$${GUNICORN_ACCESS_LOG:-off} \
		exec $(BIN)/gunicorn -c dei_portal/operations/gunicorn_conf.py \
		$(if $(filter text,$(LOG_FORMAT)),,--log-config-json deploy/gunicorn-logging.json) dei_portal.wsgi:application

drills: $(BIN)/.installed-runtime
	$(BIN)/python scripts/fault_drills.py $(DRILLS_ARGS)

## make scaleout: two app servers behind Varnish on this machine (throwaway PostgreSQL database,
## shared Redis under a key prefix of its own, shared media); checks load balancing, caching,
## purging on publish and on a notice change, signed-in bypass, and wrk speed (docs/deployment.md)
.PHONY: scaleout
scaleout: install
	$(BIN)/python scripts/scaleout.py $(SCALEOUT_ARGS)

## make backup: pg_dump (custom format) of DATABASE_URL, a tar.gz of MEDIA_ROOT and a manifest
## (row counts, every media file's SHA-256) into BACKUP_DIR/<UTC timestamp>/ (default ./backups).
## make restore BACKUP=backups/<timestamp>: into DATABASE_URL and MEDIA_ROOT, which must be empty
## (FORCE=1 replaces them), then checks everything against the manifest (docs/backup.md).
## make backup-drill: demo site -> backup -> restore into a fresh database -> compare and serve.
.PHONY: backup restore backup-drill
backup: $(BIN)/.installed-runtime
	$(BIN)/python scripts/backup.py backup

restore: $(BIN)/.installed-runtime
	@test -n "$(BACKUP)" || { echo "make restore: set BACKUP=<backup folder>, e.g. BACKUP=backups/20261127T030000Z" >&2; exit 1; }
	$(BIN)/python scripts/backup.py restore "$(BACKUP)" $(if $(FORCE),--force)

backup-drill: $(BIN)/.installed-runtime
	$(BIN)/python scripts/backup.py drill $(DRILL_ARGS)
