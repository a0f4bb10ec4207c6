# `make run`: the whole app with demo data, in the foreground (production build).  `make dev`: the same
# with the development server and hot reload.  `make test`: every check and test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: reinstall only when the lock or the project metadata changed.
STAMP := $(VENV)/.installed
BUN := .tools/node_modules/.bin/bun
AXE := .tools/node_modules/axe-core/axe.min.js

.PHONY: setup run dev test lint bench migration lock clean chromium

setup: $(STAMP) $(BUN) $(AXE)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml sdk/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e . -e ./sdk/python
	touch $@

# Reflex uses this bun (REFLEX_USE_SYSTEM_BUN) instead of downloading its own.
$(BUN):
	npm install --prefix .tools --no-audit --no-fund bun@1.4.4

# The browser tests inject axe-core into every page and fail on serious or critical accessibility findings.
$(AXE):
	npm install --prefix .tools --no-audit --no-fund axe-core@4.14.1

# The frontend is built once and rebuilt only when its sources change (escalq/cli/frontend.py).
run: setup
	$(BIN)/escalq run

dev: setup
	$(BIN)/escalq run --dev

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy escalq workers
	$(BIN)/mypy --strict sdk/python/escalq_client
	$(BIN)/lint-imports

# The browser tests (tests/browser) drive Debian's Chromium; installed once, a quick check afterwards.
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# Finds or starts PostgreSQL and Redis the way `escalq run` does, then exits non-zero when pytest fails.
test: setup lint chromium
	$(BIN)/python -m escalq.cli.with_servers -- $(BIN)/pytest $(PYTEST_ARGS)

# Speed goals in throwaway databases: production load (creates, claims, the worker; wrk and pgbench from
# Debian) and the figures on a million synthetic escalations; prints the machine, versions and settings,
# then one table of figures beside ceilings measured in the same run, and exits non-zero when a target
# is missed (bench/__main__.py). Not part of `test`. BENCH_ARGS="--only create" runs one part
# (sections: create, claim, worker, visible, metrics, waiters; see --help).
bench: setup
	command -v wrk >/dev/null && command -v pgbench >/dev/null || (apt-get update && apt-get install -y wrk postgresql)
	$(BIN)/python -m escalq.cli.with_servers -- $(BIN)/python -m bench $(BENCH_ARGS)

# `make migration NAME=what_it_does`: an empty revision after the head, numbered on from it, in
# alembic/versions/<date>_<number>_<what_it_does>.py (alembic.ini's file_template), to be written by hand.
NEXT_REVISION = from alembic.config import Config; from alembic.script import ScriptDirectory; \
	head = ScriptDirectory.from_config(Config("alembic.ini")).get_current_head(); print(f"{int(head) + 1:04d}")

migration: setup
	@test -n "$(NAME)" || { echo "usage: make migration NAME=what_it_does" >&2; exit 2; }
	rev="$$($(BIN)/python -c '$(NEXT_REVISION)')" && $(BIN)/alembic revision --rev-id "$$rev" -m "$(NAME)"

# Re-pin requirements.txt from the virtualenv after changing the dependencies in pyproject.toml.
lock: setup
	{ echo "# Pinned runtime and dev dependencies (Python 3.11): \`make lock\` writes it from .venv."; \
	  $(BIN)/pip freeze --exclude-editable; } > requirements.txt

# Generated files only: .venv, .tools and the embedded servers' data in .data/ stay.
clean:
	rm -rf .web .states .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
