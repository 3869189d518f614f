# The two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-pg test-e2e lint lint-imports typecheck mypy-baseline format install \
	install-dev messages audit clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when a lock file changed (the stamp is newer than both locks otherwise).
$(VENV)/.installed: requirements.lock | $(PY)
	$(PIP) install --disable-pip-version-check -q -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements.lock requirements-dev.lock | $(PY)
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.lock
	touch $(VENV)/.installed $@

# axe-core for the browser tests' accessibility checks (test-only; the exact version is in
# package-lock.json, installed from npm's registry by `npm ci`, never loaded from a CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev node_modules/.installed

# The development server and, beside it, a worker for the background jobs (the year's bundle;
# docs/ARCHITECTURE.md, "Jobs"), stopped with it. The worker does not reload on code changes:
# stop and start `make run` again after changing a job.
run: install
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo --if-empty
	DEBUG=1 $(PY) manage.py worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite against PostgreSQL (DATABASE_URL defaults to the local server).
test-pg: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(PY) -m pytest -m "not e2e" $(PYTEST_ARGS)

test-e2e: install-dev
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

# Style: ruff's rules and its formatting (nothing is rewritten; `make format` does that).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The architecture's import contracts ([tool.importlinter] in pyproject.toml).
lint-imports: install-dev
	$(VENV)/bin/lint-imports

# mypy with django-stubs over the apps and config ([tool.mypy] in pyproject.toml). The settings
# load with DEBUG on (no SECRET_KEY needed); nothing else of the environment matters.
typecheck: install-dev
	DEBUG=1 $(VENV)/bin/mypy

# Regenerate mypy's exceptions list (the modules that still have type errors) in pyproject.toml.
mypy-baseline: install-dev
	DEBUG=1 $(PY) .ci/mypy_baseline.py --write

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Known vulnerabilities in the locked dependencies (pip-audit in its own venv, so that its
# dependencies stay out of the project's). AUDIT_STRICT=1 also fails when a package could not be
# checked (no route to PyPI's vulnerability data).
.venv-audit/.installed: requirements-audit.lock
	$(PYTHON) -m venv .venv-audit
	.venv-audit/bin/pip install --disable-pip-version-check -q -r requirements-audit.lock
	touch $@

audit: .venv-audit/.installed
	$(PYTHON) .ci/audit.py

# Extract the UI strings into locale/*/LC_MESSAGES/django.po (needs GNU gettext's xgettext and
# msgmerge; Debian: gettext), keeping the translations already there, then compile the .mo files
# (committed) with polib. Fails, listing them, while a Vietnamese entry is untranslated or fuzzy:
# translate it in locale/vi/LC_MESSAGES/django.po (drop the "#, fuzzy" line) and run it again.
messages: install-dev
	DEBUG=1 $(PY) manage.py makemessages -l vi -l en --no-obsolete -i ".venv/*" -i "var/*"
	$(PY) locale/compile.py

clean:
	rm -rf $(VENV) .venv-audit .pytest_cache .ruff_cache staticfiles
