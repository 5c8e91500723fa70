# The two commands: `make run` (everything from a clean clone, then serve) and `make test`.
SHELL := /bin/bash
# The distribution's Python where there is one: built with PGO and LTO, it runs Django about 1.5× as fast
# as an interpreter compiled without them (pyenv's default).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= trainingprog.settings

.PHONY: run test bench lint format messages compilemessages system-deps clean

# --- environment ------------------------------------------------------------------------------
$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# gettext for translations; the Chinese TrueType font PDFs embed (common/pdf.py); libmagic, which
# tells uploaded files apart by their content (faculty/services.py).
SYSTEM_PACKAGES := gettext fonts-arphic-uming fonts-liberation libmagic1
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

compilemessages: system-deps
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

# --- make run: SQLite, the embedded broker, a real worker beside the web server ----------------
run: export DEBUG ?= true
run: $(VENV)/.runtime system-deps
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0
	$(BIN)/python manage.py collectstatic --no-input -v0
	$(BIN)/python manage.py seed_demo
	PORT=$(PORT) bin/dev

# --- make test: lint, migrations check, the whole suite on PostgreSQL + Redis -------------------
test: export DJANGO_SETTINGS_MODULE = trainingprog.settings_test
test: $(VENV)/.dev compilemessages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djangofmt --check templates
	$(BIN)/djangofmt check templates
	$(BIN)/lint-imports --no-logo
	$(BIN)/python manage.py makemigrations --check --dry-run -v1
	$(BIN)/pytest $(PYTEST_ARGS)

# Templates: djangofmt (settings in pyproject.toml) formats them and lints them; `--check` only reports.
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djangofmt --check templates
	$(BIN)/djangofmt check templates
	$(BIN)/lint-imports --no-logo

# The linter's fixes can lengthen a line (an end tag's label), so the templates are formatted once more after them.
format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/djangofmt --quiet templates
	$(BIN)/djangofmt check --fix --quiet templates
	$(BIN)/djangofmt --quiet templates

# Extract every translatable string into locale/*/LC_MESSAGES/django.po.
messages: $(VENV)/.runtime system-deps
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=var --ignore=static/vendor

clean:
	rm -rf var/static var/celery var/celerybeat-schedule*

# --- make bench: production stack under wrk; prints a table, writes bench/results/ ------------
bench: $(VENV)/.runtime system-deps
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py
