# make run: serve on port 8000 of every interface with SQLite; make test: the whole suite,
# with its branch coverage.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Four test processes on this project's two-core machines (most tests wait on servers:
# with three the suite took 625-636 s, with four 545-594 s), each given whole files, the
# slowest first (tests/conftest.py).
PYTEST_ARGS ?= --numprocesses 4 --dist loadfile --durations=25
# Serving needs only requirements.txt; tests, linters and benchmarks need the rest.
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test long coverage lint format bench clean

$(RUN_STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(RUN_STAMP)
	$(BIN)/flask --app wsgi db upgrade
	@echo "Open http://127.0.0.1:$(PORT)/ here; friends on your network can open:"
	@for address in $$(hostname -I 2>/dev/null); do \
	  case $$address in *:*) echo "  http://[$$address]:$(PORT)/";; *) echo "  http://$$address:$(PORT)/";; esac; \
	done
	PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py --bind 0.0.0.0:$(PORT) wsgi:app

# The suite runs under coverage: pyproject.toml's [tool.coverage.run] starts it in every
# Python process the tests start too (xdist workers, gunicorn and its forked workers,
# `flask`), each writing a data file; tests/coverage_scope.py says which tests pytest's
# own processes trace. A failing test stops here, before the report.
test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -p tests.coverage_scope $(PYTEST_ARGS)
	$(MAKE) --no-print-directory coverage

# Add up the data files of the last run and report branch coverage of avalon/; fails
# under the floor ([tool.coverage.report] fail_under).
coverage: $(DEV_STAMP)
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The reference servers of the benchmark table live in their own virtualenv.
BENCH_VENV := .bench-venv

$(BENCH_VENV)/.requirements: bench/requirements.txt
	$(PYTHON) -m venv --clear $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements.txt
	cp bench/requirements.txt $@

# The long random runs the suite samples: thousands of rule-checked games and fuzzing
# examples, a 60,000-cycle soak, every Autobahn case group (about 15 minutes), and the
# roles: 3,000 oracle-checked games (about 10 minutes) and all-bot games until every new
# role and Lancelot variant has played 1,000 (AVALON_ROLE_BOT_GAMES is per role; about 4);
# the cards and table options: 3,000 oracle-checked games with random options and roles,
# and 1,000 all-bot games with each card and option on (AVALON_CARD_BOT_GAMES is per option);
# the bots' levels: 1,000 all-bot games per level over every role and option.
long: $(DEV_STAMP)
	AVALON_RULES_EXAMPLES=2000 AVALON_FUZZ_EXAMPLES=5000 AVALON_SOAK_CYCLES=60000 AVALON_BOT_SEEDS=400 \
	AVALON_ROLE_GAMES=3000 AVALON_ROLE_BOT_GAMES=1000 AVALON_CARD_GAMES=3000 AVALON_CARD_BOT_GAMES=1000 \
	AVALON_BOT_LEVEL_GAMES=1000 \
	AVALON_AUTOBAHN_GROUPS=1,2,3,4,5,6,7,9,10 $(BIN)/pytest $(PYTEST_ARGS) --timeout 3600 \
	  tests/test_rules_storage.py tests/test_fuzz_envelopes.py tests/test_fuzz_frames.py \
	  tests/test_fuzz_game.py tests/test_soak.py tests/test_autobahn.py tests/test_bot_player.py \
	  tests/test_roles_random.py tests/test_roles_bots.py tests/test_cards_random.py tests/test_cards_bots.py \
	  tests/test_bots_levels.py

bench: $(DEV_STAMP) $(BENCH_VENV)/.requirements
	$(BIN)/python bench/compare.py --ref-python $(BENCH_VENV)/bin/python $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) .autobahn-venv .pytest_cache .ruff_cache .mypy_cache .hypothesis
