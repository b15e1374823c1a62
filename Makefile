# msim developer tasks. Every target creates .venv first when it is missing or stale.
#   make run    serve the app on http://127.0.0.1:8765 (PORT=..., HOST=0.0.0.0 for the network)
#   make class  serve a class on the network (0.0.0.0) and print the addresses students type;
#               PASSWORD=... asks for a class password; MSIM_CLASS_MAX_GRID/_CELLS/_DAYS=...
#               limit uploads; GRACE=5m is how long a dropped tab keeps its run; it prints the
#               teacher's class-summary address with its token (MSIM_TEACHER_TOKEN=... sets it)
#   make test   whole test suite, browser tests included (PYTEST_ARGS=... to pass options)
#   make bench  benchmarks (bench/run.py)
#   make lint   ruff check + ruff format --check
#   make assets fill Solara's offline CDN cache (also done by venv creation)
#   make docs   regenerate the scenario reference, JSON Schema and parameter pages
#   make validation  rerun the clinical check into docs/validation (about 25 minutes on 2 cores)
# PYTHON=/path/to/python3.12 picks the interpreter used to create .venv.
# Missing Debian packages are installed first by tools/system_deps.sh (apt-get as root, or with
# password-less sudo; else it prints the one command to run and stops): nodejs + npm while
# Solara's offline assets are not in .venv yet, and for test and bench Debian's chromium
# (MSIM_CHROMIUM=/path/to/browser uses another one instead).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8765
# HOST only from make's command line: some shells export HOST as the machine's name
BIND   := $(if $(filter command line,$(origin HOST)),$(HOST),127.0.0.1)
# expanded once here (:=), from the command line or else the environment: the target-specific
# exports below must not refer back to themselves
CLASS_PASSWORD := $(or $(PASSWORD),$(MSIM_CLASS_PASSWORD))
GRACE_PERIOD   := $(or $(GRACE),$(SOLARA_KERNEL_CULL_TIMEOUT),5m)
PYTEST_ARGS ?=
LINT_PATHS := $(wildcard model msim_app tests app.py bench tools)

# Solara serves its JavaScript/CSS from this directory (filled by tools/solara_assets.py).
SOLARA_ASSETS_PROXY_CACHE_DIR ?= $(abspath $(VENV))/share/solara/cdn
export SOLARA_ASSETS_PROXY_CACHE_DIR
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False

.PHONY: help venv run class test bench lint assets docs validation deps-test
.NOTPARALLEL:  # deps-test and the .venv recipe may both call apt-get: one at a time

# "npm" while Solara's offline assets are not (yet) complete in a Python 3.12+ .venv, else empty.
NEED_NPM = $$($(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& $(PY) tools/solara_assets.py --check >/dev/null 2>&1 || echo npm)

help:
	@sed -n '2,/^[^#]/s/^# \{0,1\}//p' Makefile

venv: $(STAMP)

# (Re)create .venv when it is missing or its Python is older than 3.12, then install the project.
$(STAMP): pyproject.toml tools/solara_assets.py tools/find_python.sh tools/system_deps.sh \
		tools/compile_kernels.py
	@tools/system_deps.sh $(NEED_NPM)
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		py=$$(tools/find_python.sh); \
		echo "creating $(VENV) with $$py"; \
		rm -rf $(VENV); \
		"$$py" -m venv $(VENV); \
	fi
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	$(PY) tools/solara_assets.py
	$(PY) tools/compile_kernels.py
	@touch $@

assets: $(STAMP)
	@tools/system_deps.sh $(NEED_NPM)
	@$(PY) tools/solara_assets.py

# Before .venv is built, so a machine without chromium stops (or installs it) in seconds, and
# installs npm with it in one apt-get run.
deps-test:
	@tools/system_deps.sh $(NEED_NPM) chromium

SOLARA_RUN = $(VENV)/bin/solara run app.py --port $(PORT) --no-open --production

# A dropped tab's model is freed after GRACE (Solara's kernel cull timeout; its own default is
# 24 h); a page that reconnects within it gets its run back. The password goes through the
# environment only (never on a printed command line).
run class: export SOLARA_KERNEL_CULL_TIMEOUT := $(GRACE_PERIOD)
run class: export MSIM_CLASS_PASSWORD := $(CLASS_PASSWORD)
class: export MSIM_CLASS = 1

run: assets
	$(SOLARA_RUN) --host $(BIND)

# The teacher's page (/teacher, the class summary) needs a token: MSIM_TEACHER_TOKEN=... or a
# random one made here, so the addresses printed and the server share it.
class: assets
	@export MSIM_TEACHER_TOKEN="$${MSIM_TEACHER_TOKEN:-$$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"; \
	$(PY) tools/class_address.py --port $(PORT) && $(SOLARA_RUN) --host 0.0.0.0

test: deps-test assets
	$(PY) -m pytest $(PYTEST_ARGS)

bench: deps-test $(STAMP)
	@test -f bench/run.py || { echo "error: bench/run.py does not exist yet" >&2; exit 1; }
	$(PY) bench/run.py

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)

docs: $(STAMP)
	$(VENV)/bin/msim schema --out docs/scenario.schema.json
	$(VENV)/bin/msim schema --markdown --out docs/scenario-reference.md
	$(VENV)/bin/msim schema --parameters --out docs/parameters.md

validation: $(STAMP)
	rm -rf docs/validation
	$(VENV)/bin/msim check-clinical --out docs/validation
