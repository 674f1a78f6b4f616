# openler — developer entry points. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test check lint types conformance bench bench-issue bench-http bench-match bench-skills clean messages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "openler needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(BIN)/openler demo

# implementations others wrote, for the interop tests (tests/interop/package-lock.json)
INTEROP := tests/interop/node_modules/.package-lock.json
$(INTEROP): tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error

# the Node.js verifier and load generator of bench-http (benchmarks/http/package-lock.json)
BENCH_HTTP_NODE := benchmarks/http/node_modules/.package-lock.json
$(BENCH_HTTP_NODE): benchmarks/http/package.json benchmarks/http/package-lock.json
	cd benchmarks/http && npm ci --no-audit --no-fund --loglevel=error

# on every core (pytest-xdist), a test file to a worker so that a module's own demo server
# starts once; TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= auto
test: $(DEVSTAMP) $(INTEROP) $(BENCH_HTTP_NODE)
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

types: $(DEVSTAMP)
	$(BIN)/mypy

# what CI runs first: ruff, mypy strict, and the tests (docstring examples included)
check: lint types test

# the catalogues of the pages' text (docs/translating.md): `make messages` brings every
# language's catalogue up to date with the templates; `make messages NEW_LANGUAGE=fr` starts French
LOCALES := src/openler/locale
messages: $(DEVSTAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output \
		--project openler --msgid-bugs-address "" -o $(LOCALES)/messages.pot .
	$(if $(NEW_LANGUAGE),$(BIN)/pybabel -q init -D messages -i $(LOCALES)/messages.pot -d $(LOCALES) -l $(NEW_LANGUAGE),)
	$(BIN)/pybabel -q update -w 100 --ignore-obsolete -D messages \
		-i $(LOCALES)/messages.pot -d $(LOCALES)

# the official W3C suites against a fresh `openler serve` (needs node, npm, ../shared)
conformance: $(STAMP)
	scripts/conformance.sh

bench: $(DEVSTAMP)
	$(BIN)/python benchmarks/bench.py

# roster issuance: 100,000 credentials through the job handler on SQLite and PostgreSQL
# (OPENLER_BENCH_DATABASE_URL, else the local server when it answers); ROWS=… to change
bench-issue: $(DEVSTAMP)
	$(BIN)/python benchmarks/bench_issue.py $(ROWS)

# POST /credentials/verify over HTTP: openler beside a Node.js service built on Digital
# Bazaar's vc library, the same client, credentials and checks, in one run; prints requests/s,
# p50/p99 and the ratio. BENCH_HTTP_ARGS="--rounds 5 --workers 1" and so on (--help)
bench-http: $(STAMP) $(BENCH_HTTP_NODE)
	$(BIN)/python benchmarks/bench_http.py $(BENCH_HTTP_ARGS)

# candidate matching: 1,000,000 synthetic skill profiles ranked for one posting on one core
# (threads pinned to one, the process to one core by taskset); PROFILES=… to change
bench-match: $(STAMP)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python benchmarks/bench_match.py $(PROFILES)

# alignment suggestions: R-Precision@5 and @10 on ESCO-labelled job-ad sentences (needs
# ../shared/data), per set and method, beside zero-shot MiniLM; BENCH_SKILLS_ARGS="--sets …"
bench-skills: $(DEVSTAMP)
	$(BIN)/python benchmarks/bench_skills.py $(BENCH_SKILLS_ARGS)

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
