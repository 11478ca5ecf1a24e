# marja — the two commands a newcomer needs: `make run` and `make test`.
# Both install what is missing (idempotent: a second run only checks).

PYTHON ?= python3.11
VENV := .venv
UV := .tools/bin/uv
UV_VERSION := 0.13.9
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/test
OUT := test-output

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint test-sqlite test-postgres browser-deps bench clean messages

install: $(VENV)/.synced node_modules/.installed

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## run: install, migrate, load the demo province when the database is empty, serve on :8000
run: install
	$(VENV)/bin/marja serve --demo-if-empty --host 127.0.0.1 --port 8000

## test: install, lint, type-check, then the whole suite on SQLite and on PostgreSQL
test: install browser-deps lint test-sqlite test-postgres

# Debian's chromium for the Playwright browser tests (Playwright's own download does not work offline).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(VENV)/bin/ruff check src tests bench conftest.py
	$(VENV)/bin/ruff format --check src tests bench conftest.py
	$(VENV)/bin/mypy
	MARJA_DATA_DIR=$(OUT)/lint $(VENV)/bin/python manage.py check --fail-level WARNING
	MARJA_DATA_DIR=$(OUT)/lint $(VENV)/bin/python manage.py makemigrations --check --dry-run

test-sqlite: install
	mkdir -p $(OUT)
	MARJA_DATA_DIR=$(OUT)/sqlite DATABASE_URL= $(VENV)/bin/pytest

test-postgres: install
	@if $(VENV)/bin/python tests/postgres_available.py "$(PG_TEST_URL)"; then \
	  MARJA_DATA_DIR=$(OUT)/postgres DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest; \
	else status=$$?; [ $$status -eq 3 ] || exit $$status; fi

bench: install
	MARJA_DATA_DIR=$(OUT)/bench $(VENV)/bin/python bench/catalog_pages.py
	MARJA_DATA_DIR=$(OUT)/bench $(VENV)/bin/python bench/publish.py
	MARJA_DATA_DIR=$(OUT)/bench $(VENV)/bin/python bench/query.py
	MARJA_DATA_DIR=$(OUT)/bench $(VENV)/bin/python bench/search.py
	MARJA_DATA_DIR=$(OUT)/bench $(VENV)/bin/python bench/ledger.py
	MARJA_DATA_DIR=$(OUT)/bench $(VENV)/bin/python bench/indicators.py
	$(VENV)/bin/python bench/budget.py

clean:
	rm -rf $(VENV) .tools node_modules $(OUT)

## messages: extract new message ids into django.po, then compile django.mo (polib, no msgfmt needed)
messages: install
	cd src/marja && MARJA_DATA_DIR=../../$(OUT)/lint ../../$(VENV)/bin/django-admin makemessages \
	  -l fa --settings=marja.settings --no-location --no-obsolete -i "core/*"
	$(VENV)/bin/python -c "import polib; p='src/marja/locale/fa/LC_MESSAGES/django'; \
	  polib.pofile(p + '.po').save_as_mofile(p + '.mo')"
