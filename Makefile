# Kindred: `make run` serves the API with demo data; `make test` runs every check.
# Both create the virtualenv and install pinned requirements on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format migrations-check schema deploy-check typecheck pytest bench clean-embedded

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-local: requirements/local.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements/local.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt requirements/local.txt requirements/production.txt requirements/base.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements/dev.txt
	touch $@ $(VENV)/.installed-local

## run: embedded PostgreSQL (unless DATABASE_URL), migrations, demo data, server on :8000
run: $(VENV)/.installed-local
	$(BIN)/python scripts/run.py

## test: lint, format, types, migrations, schema, deploy check, then pytest on the real stack
test: $(VENV)/.installed-dev lint typecheck migrations-check schema deploy-check pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.installed-dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

schema: $(VENV)/.installed-dev
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py spectacular --validate --fail-on-warn --file var/openapi.yaml

deploy-check: $(VENV)/.installed-dev
	$(BIN)/python scripts/check_deploy.py

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy .

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## clean-embedded: stop and delete the embedded database (all local data)
clean-embedded:
	$(BIN)/python -c "from pathlib import Path; from core.embedded import stop_embedded_server; stop_embedded_server(Path('var/pgdata'))"
	rm -rf var/pgdata
