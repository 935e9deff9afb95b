# Two commands: `make demo` and `make test`. Everything else is a helper for them
# (`make test-fast` is the quick loop to run after each change; `make test` runs everything).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ALLIANCE := $(VENV)/bin/alliance
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-fast lint build check clean venv dev docs-screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

node_modules/axe-core/axe.min.js node_modules/vnu-jar/build/dist/vnu.jar &: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev node_modules/axe-core/axe.min.js node_modules/vnu-jar/build/dist/vnu.jar

## demo: build the sample portal, crawl the sample sites, serve the portal on $(HOST):$(PORT) and
## the upload form with the office console on port $(PORT)+1 (it prints the office password)
demo: $(VENV)/.installed
	$(PY) -m alliance_portal.demo --host $(HOST) --port $(PORT)

## test: install the dev extras and run the whole test suite (what CI runs): every test but the
## `serial` ones on $(TEST_JOBS) workers (pytest-xdist, a test file per worker at a time), then the
## `serial` ones alone, collecting only their files (tests/support/serial.py says which and why:
## `python -m tests.support.serial` prints the files); fails if either run fails
TEST_JOBS ?= 3
test: dev
	@status=0; \
	echo "$(PY) -m pytest -q -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder -m 'not serial'"; \
	$(PY) -m pytest -q -n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder -m "not serial" || status=$$?; \
	files=$$($(PY) -m tests.support.serial) || exit 1; \
	if [ -n "$$files" ]; then \
		echo "$(PY) -m pytest -q -m serial $$files   # the tests that must run alone"; \
		$(PY) -m pytest -q -m serial $$files || status=$$?; \
	fi; \
	exit $$status

## test-fast: every test that starts no browser, server or subprocess (the `slow` marker,
## set in tests/conftest.py): the loop to run after each change; `make test` before landing
test-fast: dev
	$(PY) -m pytest -q -m "not slow"

## docs-screenshots: the office guide's pictures (docs/img/), taken by the browser tests
docs-screenshots: dev
	ALLIANCE_DOC_SCREENSHOTS=docs/img $(PY) -m pytest -q tests/test_console_browser.py tests/test_people_browser.py tests/test_console_pages_browser.py tests/test_console_registry.py

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(VENV)/.installed
	$(ALLIANCE) check

build: $(VENV)/.installed
	$(ALLIANCE) build

clean:
	rm -rf output var reports .pytest_cache
