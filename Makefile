# ACORN: two commands for a newcomer — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
SIM_PORT ?= 8765

.PHONY: run test check check-deploy lint format venv clean schema

venv: $(STAMP)

# Rebuild the environment when a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ACORN needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@mkdir -p var/static
	@touch $(STAMP)

# The demo: SQLite unless DATABASE_URL says otherwise, DEBUG on, demo data flowing in through sync
# from the Vendor Central simulator (started beside the portal on SIM_PORT). The first run writes a
# gitignored .env with generated secrets, which `manage.py` reads in any later shell.
run: export ACORN_DEBUG ?= 1
run: export ACORN_SIMULATOR_URL ?= http://127.0.0.1:$(SIM_PORT)
run: export ACORN_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(BIN)/python -m acorn_portal.dotenv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_portal --port $(PORT) --simulator-port $(SIM_PORT)

# The whole suite (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL).
test: $(STAMP)
	$(BIN)/python -m pytest

# Static checks CI runs once (they do not depend on the database).
check: export DJANGO_SETTINGS_MODULE = tests.settings
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# Django's deployment checklist against the production settings (DEBUG off, a long random
# SECRET_KEY, HTTPS-only cookies, HSTS, SSL redirect ...): any warning fails. The secrets here are
# generated for the run and thrown away.
check-deploy: $(STAMP)
	env -u DJANGO_SETTINGS_MODULE -u DATABASE_URL \
	  DJANGO_SETTINGS_MODULE=acorn_portal.settings \
	  ACORN_ENV_FILE= \
	  ACORN_DEBUG=0 \
	  SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  ACORN_ENCRYPTION_KEYS="$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	  ALLOWED_HOSTS=acorn.example.com \
	  CSRF_TRUSTED_ORIGINS=https://acorn.example.com \
	  ACORN_BEHIND_PROXY=1 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# The committed OpenAPI schema of /api/v1/ (tests/developer/test_schema.py fails when it drifts).
schema: export DJANGO_SETTINGS_MODULE = tests.settings
schema: $(STAMP)
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file developer/openapi.yaml

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var
