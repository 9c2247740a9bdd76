# Two commands for a fresh machine (Python 3.10-3.13 and make):
#   make lab    create .venv if missing, install the course, open JupyterLab on notebooks/
#   make test   same bootstrap, then lint and the whole test suite (notebooks in quick mode)
# Instructors:
#   make notebooks        run every notebook headlessly (full mode): build/ + timing table
#   make notebooks-quick  the same in quick mode
#   make student          regenerate student-edition/ (solutions replaced by empty exercise cells)
#   make clean-notebooks  strip outputs, execution counts and widget state (CHECK=1: only report)
#   make bundle           on a connected machine: everything the course downloads, one zip
#   make slides           offline reveal.js decks from the lessons -> build/slides/
#   make schedule         docs/schedule.md from the lessons' minutes and the measured timings
#   make workshop-server  a JupyterHub for the room (PORT=8000); make workshop-server-stop
#   make npm              the npm packages of tools/ (reveal.js, MathJax, the hub's proxy)

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed
PORT ?= 8888
NOTEBOOK_DIR ?= notebooks
# JupyterLab refuses to run as root (containers, some cloud machines) without this flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The first of these that is Python 3.10 to 3.13 (override: make lab PYTHON=/path/to/python3)
PYTHON ?= $(shell for p in python3 python3.12 python3.11 python3.10 python3.13; do \
	$$p -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 13))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)

.PHONY: lab test lint doctor data notebooks notebooks-quick student clean-notebooks bundle install clean-env
.PHONY: npm slides schedule workshop-server workshop-server-stop

NPM ?= npm
# npm ci leaves node_modules/.package-lock.json: newer than the lock file means installed.
NPM_STAMPS := tools/slides/node_modules/.package-lock.json tools/workshop/node_modules/.package-lock.json
HAVE_NPM := $(shell command -v $(NPM) 2>/dev/null)

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "No Python 3.10 to 3.13 found. Install one (e.g. python3.11) or run: make lab PYTHON=/path/to/python3.11"; \
		exit 1; fi
	@if [ ! -x $(BIN)/python ]; then \
		echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
		$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: on Debian/Ubuntu install python3-venv"; exit 1; }; \
	fi
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.1"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=$(NOTEBOOK_DIR) --port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check course_utils tests

# With npm on the PATH the slide and hub tests get their packages; without, they say so and skip.
test: $(STAMP) $(if $(HAVE_NPM),npm,)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check course_utils tests
	COURSE_QUICK=1 $(BIN)/pytest $(PYTEST_ARGS)

doctor: $(STAMP)
	$(BIN)/python -m course_utils doctor

data: $(STAMP)
	$(BIN)/python -m course_utils download-fruits

notebooks: $(STAMP)
	$(BIN)/python -m course_utils run-notebooks $(RUN_ARGS)

notebooks-quick: $(STAMP)
	$(BIN)/python -m course_utils run-notebooks --quick $(RUN_ARGS)

student: $(STAMP)
	$(BIN)/python -m course_utils student-edition

clean-notebooks: $(STAMP)
	$(BIN)/python -m course_utils clean-notebooks $(if $(CHECK),--check,) $(NOTEBOOKS)

bundle: $(STAMP)
	$(BIN)/python -m course_utils bundle create course-bundle.zip

tools/%/node_modules/.package-lock.json: tools/%/package-lock.json
	$(NPM) ci --prefix tools/$* --no-audit --no-fund

npm: $(NPM_STAMPS)

slides: $(STAMP) tools/slides/node_modules/.package-lock.json
	$(BIN)/python -m course_utils slides --execute $(SLIDES_ARGS)

schedule: $(STAMP)
	$(BIN)/python -m course_utils schedule

workshop-server: $(STAMP) tools/workshop/node_modules/.package-lock.json
	$(BIN)/python -m course_utils workshop-server start --port $(or $(WORKSHOP_PORT),8000) $(WORKSHOP_ARGS)

workshop-server-stop: $(STAMP)
	$(BIN)/python -m course_utils workshop-server stop $(WORKSHOP_ARGS)

clean-env:
	rm -rf $(VENV)
